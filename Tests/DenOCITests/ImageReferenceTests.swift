import Testing
@testable import DenOCI

@Suite struct ImageReferenceTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test(arguments: [
        ("node", nil, "node", nil, nil),
        ("node:22-bookworm", nil, "node", "22-bookworm", nil),
        ("library/python:3.12-slim", nil, "library/python", "3.12-slim", nil),
        ("localhost/app", "localhost", "app", nil, nil),
        ("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1", nil),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "app", nil, nil),
        ("registry.example.org/a/b/c:1.0", "registry.example.org", "a/b/c", "1.0", nil),
        ("app@\(digest)", nil, "app", nil, digest),
        ("registry.example.org/app:1@\(digest)", "registry.example.org", "app", "1", digest),
        ("a__b/c-d--e/f.g", nil, "a__b/c-d--e/f.g", nil, nil),
    ] as [(String, String?, String, String?, String?)])
    func parses(text: String, registry: String?, repository: String, tag: String?, digest: String?) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.registry == registry)
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect(reference.digest == digest)
        #expect(reference.description == text)
        #expect(reference.isFullyQualified == (registry != nil))
    }

    @Test(arguments: [
        ("", ImageReferenceError.empty),
        ("Node", .invalidRepository("Node")),
        ("a//b", .invalidRepository("a//b")),
        ("a/", .invalidRepository("a/")),
        ("-a", .invalidRepository("-a")),
        ("a___b", .invalidRepository("a___b")),
        ("a..b", .invalidRepository("a..b")),
        ("app:", .invalidTag("")),
        ("app:-x", .invalidTag("-x")),
        ("app@sha256:abc", .invalidDigest("sha256:abc")),
        ("app@md5:" + String(repeating: "a", count: 32), .unsupportedDigestAlgorithm("md5")),
        ("host:99999999/app", .invalidRegistry("host:99999999")),
        ("-bad.example/app", .invalidRegistry("-bad.example")),
    ])
    func rejects(text: String, expected: ImageReferenceError) {
        #expect(throws: expected) { try ImageReference(parsing: text) }
    }

    @Test func rejectsOverlongNames() {
        let long = String(repeating: "a", count: 300)
        #expect(throws: ImageReferenceError.tooLong) { try ImageReference(parsing: long) }
    }
}
