import DenArchive
import DenFetch
import DenSandbox
#if canImport(Glibc)
import Glibc
#endif

/// Stage 1 of a base build: the essential packages' files, unpacked into an empty tree by den
/// re-executed inside the user namespace (`Sandbox.runHelper`), so that they belong to the
/// env's root and keep the owners the packages give them. Like mmdebstrap, the data is streamed
/// (no `dpkg-deb --extract`, which would replace merged-/usr symlinks with directories).
///
/// Where mmdebstrap then has dpkg unpack the same packages a second time to register them,
/// den records what it unpacked as dpkg does after `dpkg --unpack` (a status entry "install ok
/// unpacked" with its conffiles, the file list, the control members in info/), written to a
/// side directory that stage 2 copies into the tree; stage 2 runs the preinsts and
/// `dpkg --configure -a`. Unpacking is over half of dpkg's work on the essential set.
enum LayerUnpacker {
    /// `den --internal-unpack ROOT apply|ignore DATABASE|- DEB…` (see `InternalHelper`).
    static let helperFlag = "--internal-unpack"

    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 3 else { throw SystemError("unpack: missing arguments", errno: EINVAL) }
        let root = arguments[0]
        let applyOwners = arguments[1] == "apply"
        let database = arguments[2] == "-" ? nil : arguments[2]
        let options = ExtractionOptions(
            symlinkPolicy: .followInsideRoot, ownership: applyOwners ? .apply : .ignore,
            // setuid files are the env's own business when root inside is not the user.
            preservesSetIDBits: applyOwners)
        let extractor = try SafeExtractor(rootPath: root, options: options)
        var status: [String] = []
        var triggers = Triggers(fileInterests: RootFilesystem.read("/var/lib/dpkg/triggers/File", in: root) ?? [])
        if let database { try makeDirectory("\(database)/info") }
        for path in arguments.dropFirst(3) {
            let package = try DebianPackageArchive(path: path)
            let data = try package.openData()
            var paths: [String] = []
            var files: [String] = []
            while let entry = try data.next() {
                try extractor.extract(entry, from: data)
                paths.append(dpkgPath(entry.path))
                if entry.kind == .file { files.append(dpkgPath(entry.path)) }
            }
            try extractor.finish()
            triggers.add(control: package.control.files["triggers"] ?? [], paths: paths)
            if let database {
                status.append(try register(package.control, paths: paths, files: files, root: root, in: database))
            }
        }
        if let database {
            try FileSystem.writeAtomically("\(database)/status", contents: Array(status.joined(separator: "\n").utf8), mode: 0o644)
            let names = triggers.activated.map { $0 + "\n" }.joined()
            try FileSystem.writeAtomically("\(database)/triggers", contents: Array(names.utf8), mode: 0o644)
        }
    }

    /// The triggers dpkg's unpack of these packages would have activated (deb-triggers(5)):
    /// each `activate*` directive of their triggers files, and each file trigger (an
    /// `interest*` in an absolute path, of an installed or a new package) that one of their
    /// paths falls under.
    struct Triggers {
        private var interests: Set<String> = []
        private var explicit: Set<String> = []
        private var paths: [String] = []

        /// `fileInterests`: dpkg's triggers/File of the tree below (`PATH PACKAGE[/noawait]`).
        init(fileInterests: [UInt8]) {
            for line in String(decoding: fileInterests, as: UTF8.self).split(separator: "\n") {
                if let path = line.split(separator: " ").first, path.hasPrefix("/") { interests.insert(String(path)) }
            }
        }

        mutating func add(control: [UInt8], paths: [String]) {
            for line in String(decoding: control, as: UTF8.self).split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count >= 2, !words[0].hasPrefix("#") else { continue }
                if words[0].hasPrefix("activate") { explicit.insert(String(words[1])) }
                if words[0].hasPrefix("interest"), words[1].hasPrefix("/") { interests.insert(String(words[1])) }
            }
            self.paths += paths
        }

        var activated: [String] {
            var names = explicit
            for interest in interests where paths.contains(where: { $0 == interest || $0.hasPrefix(interest + "/") }) {
                names.insert(interest)
            }
            return names.sorted()
        }
    }

    /// A tar member's path as dpkg lists it: `./usr/bin/x` is `/usr/bin/x`, the top is `/.`.
    static func dpkgPath(_ member: String) -> String {
        var path = Substring(member)
        if path.hasPrefix("./") { path = path.dropFirst(2) } else if path == "." { path = "" }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path.isEmpty ? "/." : "/\(path)"
    }

    /// Writes the package's info files, and its whole control archive under `ci/` for its
    /// preinst (dpkg runs it from /var/lib/dpkg/tmp.ci, where debconf reads the package's
    /// name), and returns its status entry.
    static func register(
        _ control: DebianControlArchive, paths: [String], files: [String], root: String, in database: String
    ) throws -> String {
        let fields = DpkgControl(control.control)
        guard let name = fields["Package"], let architecture = fields["Architecture"] else {
            throw SystemError("unpack: a control file without Package or Architecture", errno: EINVAL)
        }
        // Multi-Arch: same packages are known to dpkg by name and architecture.
        let base = fields["Multi-Arch"] == "same" ? "\(name):\(architecture)" : name
        let info = "\(database)/info"
        try FileSystem.writeAtomically("\(info)/\(base).list", contents: Array(paths.map { $0 + "\n" }.joined().utf8), mode: 0o644)
        let archive = "\(database)/ci/\(base)"
        try makeDirectory("\(database)/ci")
        try makeDirectory(archive)
        for (member, bytes) in control.files {
            let mode: mode_t = DebianControlArchive.maintainerScriptNames.contains(member) ? 0o755 : 0o644
            try FileSystem.writeAtomically("\(archive)/\(member)", contents: bytes, mode: mode)
            if member != "control" { try FileSystem.writeAtomically("\(info)/\(base).\(member)", contents: bytes, mode: mode) }
        }
        // A package without md5sums gets them computed, as dpkg's unpack does.
        if control.files["md5sums"] == nil {
            let sums = files.compactMap { path in
                RootFilesystem.read(path, in: root, limit: 1 << 40).map { "\(MD5.hash($0))  \(path.dropFirst())\n" }
            }.joined()
            try FileSystem.writeAtomically("\(info)/\(base).md5sums", contents: Array(sums.utf8), mode: 0o644)
        }
        // The conffiles are in place (not as .dpkg-new): recorded with the hash dpkg gives
        // an unchanged conffile once configured.
        let conffiles = (control.files["conffiles"].map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }.filter { $0.hasPrefix("/") }
        var entry = "Package: \(name)\nStatus: install ok unpacked\n" + fields.text(excluding: "Package")
        if !conffiles.isEmpty {
            entry += "Conffiles:\n" + conffiles.map { path in
                " \(path) \(RootFilesystem.read(path, in: root).map(MD5.hash) ?? "newconffile")\n"
            }.joined()
        }
        return entry
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw SystemError("create directory", path: path, errno: errno) }
    }
}

/// A control file's fields, in order, with their continuation lines.
struct DpkgControl {
    private var fields: [(name: String, text: String)] = []

    init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.first == " " || line.first == "\t" {
                if !fields.isEmpty { fields[fields.count - 1].text += "\n" + line }
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), String(line)))
            }
        }
    }

    subscript(name: String) -> String? {
        guard let field = fields.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        return String(field.text.dropFirst(field.name.count + 1)).trimmingSpaces()
    }

    func text(excluding name: String) -> String {
        fields.filter { $0.name.lowercased() != name.lowercased() }.map { $0.text + "\n" }.joined()
    }
}

/// The work den does as its own helper, re-executed inside a user namespace by
/// `Sandbox.runHelper`: what must see the env's ids rather than the host's. Not for users.
public enum InternalHelper {
    /// `den --internal-digest TREE`: prints the tree's `TreeDigest` (as the env's ids see it).
    static let digestFlag = "--internal-digest"

    /// Runs the helper the arguments name and returns its exit status, or nil when they name
    /// none (an ordinary den command).
    public static func run(_ arguments: [String]) -> Int32? {
        guard let flag = arguments.first, [LayerUnpacker.helperFlag, digestFlag, DiskUsage.helperFlag].contains(flag) else {
            return nil
        }
        do {
            if flag == DiskUsage.helperFlag {
                for path in arguments.dropFirst() {
                    let line = "\(DiskUsage.bytes(of: path)) \(path)\n"
                    _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
                }
            } else if flag == digestFlag {
                guard arguments.count == 2 else { throw SystemError("digest: missing tree", errno: EINVAL) }
                let digest = try TreeDigest.compute(arguments[1])
                let line = digest + "\n"
                _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
            } else {
                try LayerUnpacker.run(Array(arguments.dropFirst()))
            }
            return 0
        } catch {
            let line = "den \(flag): \(error)\n"
            _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            return 1
        }
    }
}
