import Foundation
import Testing
@testable import DenCore

@Suite struct TemplateTests {
    static let templatesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates")

    /// The binary carries copies of templates/; they must be the same bytes, or
    /// `den init` writes something other than what the repository shows.
    @Test func embeddedCopiesEqualTheTemplatesDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templatesDirectory.path)
            .filter { $0.hasSuffix(".toml") }.sorted()
        #expect(Template.all.map { $0.name + ".toml" } == files, "run `make templates`")
        for template in Template.all {
            let onDisk = try String(contentsOf: Self.templatesDirectory.appendingPathComponent("\(template.name).toml"), encoding: .utf8)
            #expect(template.text == onDisk, "templates/\(template.name).toml differs from the embedded copy: run `make templates`")
        }
    }

    @Test func theRequiredStacksExist() {
        for name in ["minimal", "python", "node", "go", "rust", "c", "java"] {
            #expect(Template.named(name) != nil, "missing template \(name)")
        }
    }

    @Test(arguments: Template.all.map(\.name))
    func rendersToAValidManifest(name: String) throws {
        let template = try #require(Template.named(name))
        #expect(!template.summary.isEmpty && template.summary.count <= 60)
        let text = try template.rendered(name: "demo", base: "dir:/srv/root")
        let manifest = try Manifest.parse(text, file: "den.toml", projectDirectory: "/p", homeDirectory: "/h")
        #expect(manifest.name == "demo")
        #expect(manifest.base == .directory(path: "/srv/root"))
        // Comments and the summary line survive.
        #expect(text.hasPrefix("# "))
        #expect(text.split(separator: "\n").count == template.text.split(separator: "\n").count)
    }

    @Test func keepsTheTemplateBaseWhenNoneIsGiven() throws {
        let template = try #require(Template.named("python"))
        let manifest = try Manifest.parse(try template.rendered(name: "x", base: nil), file: "den.toml",
                                          projectDirectory: "/p", homeDirectory: "/h")
        #expect(manifest.base == .debian(suite: "bookworm"))
        #expect(manifest.packages.contains(PackageRequest(name: "python3")))
    }

    @Test func quotesValuesSafely() throws {
        let template = try #require(Template.named("minimal"))
        let text = try template.rendered(name: "x", base: #"dir:/srv/we"ird\path"#)
        let manifest = try Manifest.parse(text, file: "den.toml", projectDirectory: "/p", homeDirectory: "/h")
        #expect(manifest.base == .directory(path: #"/srv/we"ird\path"#))
    }
}
