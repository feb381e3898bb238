import DenArchive
import DenFetch
import DenSandbox
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Stage 1 of a layer's build: every package's files, unpacked by den re-executed inside the
/// user namespace (`Sandbox.runHelper`), so that they belong to the env's root and keep the
/// owners the packages give them. The data is streamed (no `dpkg-deb --extract`, which would
/// replace merged-/usr symlinks with directories), as mmdebstrap does for the essential set.
///
/// Where mmdebstrap then has dpkg unpack every package (again), den records what it unpacked
/// as dpkg's own unpack would: a status entry "install ok unpacked" with its conffiles' hashes,
/// the file list, the control members in info/, md5sums for packages without them, and the
/// triggers to activate, in a side directory that stage 2 copies into the tree before it runs
/// the preinsts and `dpkg --configure`. dpkg's unpack was over half of a build; the result is
/// the same tree (a test compares it with mmdebstrap's, file for file).
enum LayerUnpacker {
    /// `den --internal-unpack ROOT apply|ignore DATABASE DEB…` (see `InternalHelper`).
    static let helperFlag = "--internal-unpack"

    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 3 else { throw SystemError("unpack: missing arguments", errno: EINVAL) }
        let root = arguments[0]
        let applyOwners = arguments[1] == "apply"
        let database = arguments[2]
        let debs = Array(arguments.dropFirst(3))
        // A bomb of a package is refused before it fills the disk, as an image layer is:
        // the bound covers all the packages of the layer.
        let packedBytes = debs.reduce(Int64(0)) { total, path in
            var info = stat()
            return total + (stat(path, &info) == 0 ? Int64(info.st_size) : 0)
        }
        let options = ExtractionOptions(
            maxTotalBytes: ExtractionOptions.maximumExpansion(compressedSize: packedBytes),
            symlinkPolicy: .followInsideRoot, ownership: applyOwners ? .apply : .ignore,
            // setuid files are the env's own business when root inside is not the user.
            preservesSetIDBits: applyOwners)
        let unpacked = try unpackInParallel(debs, root: root, options: options)

        var status: [String] = []
        var triggers = Triggers(fileInterests: RootFilesystem.read("/var/lib/dpkg/triggers/File", in: root) ?? [])
        try makeDirectory("\(database)/info")
        for package in unpacked {
            triggers.add(control: package.control.files["triggers"] ?? [], paths: package.paths)
            status.append(try register(package.control, paths: package.paths, files: package.files, root: root, in: database))
        }
        try FileSystem.writeAtomically("\(database)/status", contents: Array(status.joined(separator: "\n").utf8), mode: 0o644)
        let names = triggers.activated.map { $0 + "\n" }.joined()
        try FileSystem.writeAtomically("\(database)/triggers", contents: Array(names.utf8), mode: 0o644)
    }

    /// What unpacking one package left to register.
    struct Unpacked: Sendable {
        var control: DebianControlArchive
        /// Every member, as dpkg lists them; the regular files among them.
        var paths: [String]
        var files: [String]
        var directories: [ArchiveEntry]
    }

    static func unpack(_ path: String, into extractor: SafeExtractor) throws -> Unpacked {
        let package = try DebianPackageArchive(path: path)
        let data = try package.openData()
        var result = Unpacked(control: package.control, paths: [], files: [], directories: [])
        while let entry = try data.next() {
            try extractor.extract(entry, from: data)
            let listed = dpkgPath(entry.path)
            result.paths.append(listed)
            if entry.kind == .file { result.files.append(listed) }
            if entry.kind == .directory { result.directories.append(entry) }
        }
        try extractor.finish()
        return result
    }

    /// Unpacking is mostly the kernel creating files: two workers (the machines den targets
    /// have a few cores), each with packages of about the same total size, in the given order.
    /// The result must not depend on which worker was faster, so afterwards a file that
    /// several packages ship is written again by the last of them, and a directory several
    /// packages list takes the metadata of the last — what unpacking one by one gives.
    static func unpackInParallel(_ debs: [String], root: String, options: ExtractionOptions) throws -> [Unpacked] {
        let workers = min(2, max(1, debs.count))
        var loads = [Int64](repeating: 0, count: workers)
        var groups = [[Int]](repeating: [], count: workers)
        for (index, path) in debs.enumerated() {
            var info = stat()
            let size = stat(path, &info) == 0 ? Int64(info.st_size) : 0
            let lightest = loads.indices.min { loads[$0] < loads[$1] } ?? 0
            groups[lightest].append(index)
            loads[lightest] += size
        }
        let assignment = groups
        let results = Mutex([Int: Unpacked]())
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                let extractor = try SafeExtractor(rootPath: root, options: options)
                for index in assignment[worker] {
                    if failure.withLock({ $0 != nil }) { return }
                    let unpacked = try unpack(debs[index], into: extractor)
                    results.withLock { $0[index] = unpacked }
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var unpacked = results.withLock { table in debs.indices.compactMap { table[$0] } }

        var lastOwner: [String: Int] = [:]
        var shared = Set<Int>()
        for (index, package) in unpacked.enumerated() {
            let directories = Set(package.directories.map { dpkgPath($0.path) })
            for path in package.paths where !directories.contains(path) {
                if lastOwner[path] != nil { shared.insert(index) }
                lastOwner[path] = index
            }
        }
        let extractor = try SafeExtractor(rootPath: root, options: options)
        for index in shared.sorted() where lastOwner.values.contains(index) {
            unpacked[index] = try unpack(debs[index], into: extractor)
        }
        var directoryOwners: [String: [Int]] = [:]
        for (index, package) in unpacked.enumerated() {
            for entry in package.directories { directoryOwners[dpkgPath(entry.path), default: []].append(index) }
        }
        for (index, package) in unpacked.enumerated() {
            for entry in package.directories {
                guard let owners = directoryOwners[dpkgPath(entry.path)], owners.count > 1, owners.last == index else { continue }
                try extractor.applyDirectoryMetadata(entry)
            }
        }
        return unpacked
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

/// A control file's fields, in order, with their continuation lines kept byte for byte:
/// dpkg copies them into its status file as they are, and `Deb822`'s parsed values fold
/// continuation lines (their indentation is lost), which the tree comparison with mmdebstrap
/// shows as a different status file.
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

    /// Runs den's helper with `arguments` inside a user namespace with `identity` and returns
    /// how it ended and what it printed (through a file in `scratch`, not a pipe: the sandbox
    /// reports on its own channel while the helper writes).
    static func capture(
        _ arguments: [String], identity: SandboxSpec.Identity, scratch: String
    ) throws -> (outcome: SandboxOutcome, output: String) {
        try Store.makeDirectory(scratch)
        let path = "\(scratch)/.helper-\(getpid())"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("create", path: path, errno: errno) }
        defer {
            close(fd)
            unlink(path)
        }
        let outcome = try Sandbox.runHelper(arguments, identity: identity, environment: DebianBuild.helperEnvironment,
                                            output: .file(fd))
        return (outcome, (try? FileSystem.readText(path)).flatMap { $0 } ?? "")
    }

    /// Runs the helper the arguments name and returns its exit status, or nil when they name
    /// none (an ordinary den command).
    public static func run(_ arguments: [String]) -> Int32? {
        guard let flag = arguments.first, [LayerUnpacker.helperFlag, digestFlag, DiskUsage.helperFlag, ImageLayerHelper.flag, ExportHelper.flag].contains(flag) else {
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
            } else if flag == ExportHelper.flag {
                try ExportHelper.run(Array(arguments.dropFirst()))
            } else if flag == ImageLayerHelper.flag {
                try ImageLayerHelper.run(Array(arguments.dropFirst()))
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
