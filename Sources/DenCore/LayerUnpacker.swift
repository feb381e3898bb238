import DenArchive
#if canImport(Glibc)
import Glibc
#endif

/// Stage 1 of a base build: the essential packages' files, unpacked into an empty tree by den
/// re-executed inside the user namespace (`Sandbox.runHelper`), so that they belong to the
/// env's root and keep the owners the packages give them. dpkg unpacks them again properly in
/// stage 2; this only gives it a tree it can run in. Like mmdebstrap, the data is streamed
/// (no `dpkg-deb --extract`, which would replace merged-/usr symlinks with directories).
enum LayerUnpacker {
    /// `den --internal-unpack ROOT apply|ignore DEB…` (see `InternalHelper`).
    static let helperFlag = "--internal-unpack"

    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 2 else { throw SystemError("unpack: missing arguments", errno: EINVAL) }
        let root = arguments[0]
        let applyOwners = arguments[1] == "apply"
        let options = ExtractionOptions(
            symlinkPolicy: .followInsideRoot, ownership: applyOwners ? .apply : .ignore,
            // setuid files are the env's own business when root inside is not the user.
            preservesSetIDBits: applyOwners)
        let extractor = try SafeExtractor(rootPath: root, options: options)
        for path in arguments.dropFirst(2) {
            let package = try DebianPackageArchive(path: path)
            _ = try package.extractData(into: extractor)
        }
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
