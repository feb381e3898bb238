import Testing
@testable import DenCore

@Suite struct ByteSizeTests {
    static let mebibyte: UInt64 = 1 << 20
    static let sizes: [(String, UInt64)] = [
        ("512M", 512 * mebibyte), ("2G", 2048 * mebibyte), ("2g", 2048 * mebibyte), ("1.5GiB", 1536 * mebibyte),
        ("64 MiB", 64 * mebibyte), ("1048576", mebibyte), ("3T", 3 * 1024 * 1024 * mebibyte), ("10KB", 10240),
    ]

    @Test(arguments: sizes)
    func parses(text: String, bytes: UInt64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "G", "1..2G", ".5G", "5X", "-1G", "1e3", "99999999999T"])
    func rejects(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    static let formatted: [(UInt64, String)] = [(100, "100 B"), (2048 * mebibyte, "2 GiB"), (1536 * mebibyte, "1.5 GiB"), (512 * mebibyte, "512 MiB")]

    @Test(arguments: formatted)
    func formats(bytes: UInt64, text: String) {
        #expect(ByteSize.format(bytes) == text)
    }
}

@Suite struct SuggestionTests {
    @Test(arguments: [
        ("pakages", "packages"), ("packges", "packages"), ("Name", "name"), ("nmae", "name"), ("limit", "limits"),
        ("mounts", "mount"), ("netwrok", "network"),
    ])
    func suggests(typo: String, expected: String) {
        let keys = ["name", "base", "packages", "shell", "network", "mount", "limits", "vars"]
        #expect(Suggestion.nearest(to: typo, among: keys) == expected)
    }

    @Test func staysQuietForUnrelatedWords() {
        #expect(Suggestion.nearest(to: "frobnicate", among: ["name", "base", "packages"]) == nil)
    }
}

@Suite struct PathTests {
    @Test(arguments: [("/a/./b//c/../d", "/a/b/d"), ("/../..", "/"), ("/", "/"), ("/x/", "/x")])
    func normalizes(path: String, expected: String) {
        #expect(Path.normalize(path) == expected)
    }

    @Test func containment() {
        #expect(Path.isWithin("/a/b", "/a"))
        #expect(Path.isWithin("/a", "/a"))
        #expect(!Path.isWithin("/ab", "/a"))
        #expect(Path.isWithin("/anything", "/"))
    }
}
