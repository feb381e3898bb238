import DenArchive
#if canImport(Glibc)
import Glibc
#endif

/// Stage 1 of a base build: the essential packages' files, unpacked into an empty tree by den
/// re-executed inside the user namespace (`Sandbox.runHelper`), so that they belong to the
/// env's root and keep the owners the packages give them. dpkg unpacks them again properly in
/// stage 2; this only gives it a tree it can run in. Like mmdebstrap, the data is streamed
/// (no `dpkg-deb --extract`, which would replace merged-/usr symlinks with directories).
public enum LayerUnpacker {
    /// The argument that makes den run this instead of a command: `den --internal-unpack
    /// ROOT apply|ignore DEB…`. Not for users; den passes it to itself.
    public static let helperFlag = "--internal-unpack"

    public static func run(_ arguments: [String]) throws {
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
