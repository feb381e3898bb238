import Foundation
import Testing
@testable import DenCore

@Suite struct TrustTests {
    /// A project directory with `inside/`, a link `out -> <outside>` and an `outside` sibling.
    func layout() throws -> (project: Project, outside: String) {
        let root = NSTemporaryDirectory() + "/den-trust-\(UUID().uuidString)"
        let manager = FileManager.default
        for directory in ["\(root)/project/inside", "\(root)/outside"] {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try manager.createSymbolicLink(atPath: "\(root)/project/out", withDestinationPath: "\(root)/outside")
        return (Project(directory: "\(root)/project"), "\(root)/outside")
    }

    @Test func onlyWhatReachesOutsideTheProjectIsAGrant() throws {
        let (project, outside) = try layout()
        var manifest = Manifest(name: "t", base: .directory(path: "/r"))
        manifest.mounts = [
            Mount(source: "\(project.directory)/inside", target: "/in"),
            Mount(source: "\(project.directory)/out", target: "/out"),
            Mount(source: outside, target: "/w", isReadOnly: false),
        ]
        let lines = Trust.grants(of: manifest, project: project).map(\.line)
        #expect(lines == [
            "mount \(project.directory)/out at /out (read-only)", "mount \(outside) at /w (read-write)",
            "your SSH agent (SSH_AUTH_SOCK), to use your keys",
        ].sorted())
        manifest.forwardsSSHAgent = false
        #expect(Trust.grants(of: manifest, project: project).count == 2)
    }

    @Test func theAgentIsRequiredOnlyWhenThereIsOne() throws {
        let (project, outside) = try layout()
        let manifest = Manifest(name: "t", base: .directory(path: "/r"))
        #expect(Trust.required(by: manifest, project: project, hostEnvironment: [:]).isEmpty)
        #expect(Trust.required(by: manifest, project: project, hostEnvironment: ["SSH_AUTH_SOCK": "relative"]).isEmpty)
        let socket = "\(outside)/agent"
        FileManager.default.createFile(atPath: socket, contents: nil)
        #expect(Trust.required(by: manifest, project: project, hostEnvironment: ["SSH_AUTH_SOCK": socket]).map(\.line)
            == ["your SSH agent (SSH_AUTH_SOCK), to use your keys"])
    }

    @Test func recordingCoversTheGrantsAndRevokingForgetsThem() throws {
        let (project, outside) = try layout()
        let store = Store(dataDirectory: "\(outside)/data", cacheDirectory: "\(outside)/cache", runtimeDirectory: "\(outside)/run")
        let trust = Trust(store: store)
        var manifest = Manifest(name: "t", base: .directory(path: "/r"))
        manifest.mounts = [Mount(source: outside, target: "/o")]
        #expect(trust.missing(for: manifest, project: project, hostEnvironment: [:]).count == 1)
        try trust.record(manifest, project: project)
        #expect(trust.missing(for: manifest, project: project, hostEnvironment: [:]).isEmpty)
        manifest.mounts[0].isReadOnly = false
        #expect(trust.missing(for: manifest, project: project, hostEnvironment: [:]).map(\.line) == ["mount \(outside) at /o (read-write)"])
        // Another project at another path shares nothing.
        #expect(trust.granted(for: Project(directory: outside)).isEmpty)
        #expect(try trust.revoke(for: project))
        #expect(trust.granted(for: project).isEmpty)
        #expect(try !trust.revoke(for: project))
    }
}
