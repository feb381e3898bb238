import DenSandbox
import DenTOML

/// The apt layer: the env's apt sources and the locked snapshot's package lists, so that
/// `den run --root -- apt-get install …` works at once against the same mirror. It is kept
/// apart from the base because it depends on the mirror, which the base does not.
extension DebianBuild {
    /// The key of the layer that points the env's apt at `mirror` with the locked snapshot's
    /// lists: nil when the lock has no snapshot.
    public func aptDigest(mirror: String) -> String? {
        guard let archive = lock.archive else { return nil }
        return Self.digest(kind: "apt-lists", below: baseDigest, mapping: mappingKind, architecture: lock.architecture,
                           packages: [], extra: ["mirror \(mirror)", "suite \(archive.codename)", "inrelease \(archive.inReleaseSHA256)"])
    }

    /// Builds the apt layer from verified `lists` of the locked snapshot: `apt-get install`
    /// works inside at once, against the same mirror. `signedBy` is the keyring path inside
    /// the env, nil to leave apt its default keyrings. Call from the main thread.
    public func makeAptLayer(mirror: String, lists: DebianArchive.Lists, signedBy: String?) throws {
        guard let digest = aptDigest(mirror: mirror), let archive = lock.archive else { return }
        try layers.make(digest, identity: identity) { staging in
            // The codename, not the manifest's alias: `stable` moving to the next release
            // must not upgrade an env behind its lock's back, and `12` is no archive directory.
            let prefix = AptListName.prefix(mirror: mirror, suite: archive.codename)
            let listsDirectory = "\(staging)/lists"
            try Store.makeDirectory(listsDirectory)
            let packagesName = prefix + "_" + lists.packagesName.replacingSlashes()
            try FileSystem.writeAtomically("\(listsDirectory)/\(prefix)_InRelease", contents: FileSystem.read(lists.inReleasePath))
            try FileSystem.writeAtomically("\(listsDirectory)/\(packagesName)", contents: FileSystem.read(lists.packagesPath))
            let sources = [
                "Types: deb", "URIs: \(mirror)", "Suites: \(archive.codename)", "Components: main",
            ] + (signedBy.map { ["Signed-By: \($0)"] } ?? [])
            let script = [
                "set -e",
                "mkdir -p /etc/apt/sources.list.d /var/lib/apt/lists",
                "cat > /etc/apt/sources.list.d/debian.sources <<'DEN_EOF'",
            ] + sources + [
                "DEN_EOF",
                "cp /tmp/den-lists/* /var/lib/apt/lists/",
                "chmod 644 /etc/apt/sources.list.d/debian.sources /var/lib/apt/lists/\(prefix)_*",
            ]
            var spec = buildSpec(staging: staging, below: [layers.tree(of: baseDigest)], script: script.joined(separator: "\n"))
            spec.binds = [SandboxSpec.Bind(source: listsDirectory, target: "/tmp/den-lists", isReadOnly: true)]
            try runStage(spec, staging: staging, stage: "writing apt's sources and lists", name: "apt")
            try Sandbox.removeTree(listsDirectory, identity: identity)
            var metadata = TOMLTable()
            metadata.set("kind", .string("apt-lists"))
            metadata.set("mirror", .string(mirror))
            metadata.set("inrelease", .string("sha256:\(archive.inReleaseSHA256)"))
            metadata.set("tree", .string("sha256:\(try treeDigest(of: "\(staging)/tree", scratch: staging))"))
            return metadata
        }
    }
}

/// apt's names for files in /var/lib/apt/lists: the URI without scheme and credentials, some
/// characters %-quoted, '/' turned into '_' (apt's URItoFileName).
enum AptListName {
    static func prefix(mirror: String, suite: String) -> String {
        var uri = Substring(mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror)
        if let scheme = uri.firstRange(of: "://") { uri = uri[scheme.upperBound...] }
        if let at = uri.firstIndex(of: "@"), !uri[..<at].contains("/") { uri = uri[uri.index(after: at)...] }
        return quote("\(uri)/dists/\(suite)").replacingSlashes()
    }

    static func quote(_ text: String) -> String {
        let special = Set("\\|{}[]<>\"^~_=!@#$%^&*".utf8)
        var result = ""
        for byte in text.utf8 {
            if byte <= 0x20 || byte >= 0x7F || special.contains(byte) {
                let hex = String(byte, radix: 16)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return result
    }
}

extension String {
    func replacingSlashes() -> String {
        String(map { $0 == "/" ? "_" : $0 })
    }
}
