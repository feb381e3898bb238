import DenDebian
#if canImport(Glibc)
import Glibc
#endif

/// Which Debian mirror den uses. The mirror is never a host name in den's code: the user names
/// one (`DEN_MIRROR`, then `mirror` in den.toml) or den takes the one the host's apt uses.
public enum MirrorSelection {
    public static let environmentVariable = "DEN_MIRROR"

    /// `DEN_MIRROR` when set and not blank, else `manifestMirror`, else the Debian archive entry
    /// of the host's apt configuration (see `AptSources.debianMirror(in:)`): the
    /// `sources.list.d/*.sources` files by name, then `sources.list.d/*.list`, then `sources.list`.
    public static func resolve(
        manifestMirror: String?, environment: [String: String], aptDirectory: String = "/etc/apt"
    ) throws(MirrorError) -> ArchiveMirror {
        if let value = environment[environmentVariable]?.trimmingSpaces(), !value.isEmpty {
            let origin = ArchiveMirror.Origin.environment(variable: environmentVariable)
            guard let url = AptSources.archiveURI(value) else { throw .invalidURL(value, origin: origin) }
            return ArchiveMirror(url: url, origin: origin)
        }
        if let manifestMirror {
            guard let url = AptSources.archiveURI(manifestMirror) else {
                throw .invalidURL(manifestMirror, origin: .manifest)
            }
            return ArchiveMirror(url: url, origin: .manifest)
        }
        let files = try sourceFiles(aptDirectory: aptDirectory)
        let sources = try hostSources(files)
        guard let source = AptSources.debianMirror(in: sources), let url = source.uris.first else {
            throw .notFound(aptDirectory: aptDirectory, filesRead: files)
        }
        return ArchiveMirror(url: url, origin: .hostSources(file: source.file ?? "", line: source.line), signedBy: source.signedBy)
    }

    /// Every entry of the host's source lists, in the order `resolve` considers them; `file` is
    /// set on each. For `den check` and for finding the security and updates entries.
    public static func hostSources(aptDirectory: String = "/etc/apt") throws(MirrorError) -> [AptSource] {
        try hostSources(sourceFiles(aptDirectory: aptDirectory))
    }

    /// The source lists under `aptDirectory` that apt would read, in den's order. apt only reads
    /// names of letters, digits, `_`, `-` and `.`, which also keeps out editor backups and
    /// `.list.disabled` files.
    public static func sourceFiles(aptDirectory: String = "/etc/apt") throws(MirrorError) -> [String] {
        let partsDirectory = "\(aptDirectory)/sources.list.d"
        var names: [String] = []
        do {
            names = try FileSystem.directoryEntries(partsDirectory)
        } catch where error.errno == ENOENT || error.errno == ENOTDIR {
            names = []
        } catch {
            throw .unreadableSources(error)
        }
        let usable = names.filter(isAptFileName).sorted()
        let parts = usable.filter { $0.hasSuffix(".sources") } + usable.filter { $0.hasSuffix(".list") }
        let files = parts.map { "\(partsDirectory)/\($0)" } + ["\(aptDirectory)/sources.list"]
        return files.filter(FileSystem.isRegularFile)
    }

    /// The places `resolve` looks, for messages.
    public static func searchedPatterns(aptDirectory: String) -> String {
        "'\(aptDirectory)/sources.list.d/*.sources', '\(aptDirectory)/sources.list.d/*.list' and '\(aptDirectory)/sources.list'"
    }

    private static func hostSources(_ files: [String]) throws(MirrorError) -> [AptSource] {
        var sources: [AptSource] = []
        for file in files {
            guard let format = AptSources.Format(fileName: file) else { continue }
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.read(file)
            } catch where error.errno == ENOENT {
                continue  // removed since the directory was listed
            } catch {
                throw .unreadableSources(error)
            }
            do {
                sources += try AptSources.parse(String(decoding: bytes, as: UTF8.self), format: format, file: file)
            } catch {
                throw .invalidSources(file: file, cause: error)
            }
        }
        return sources
    }

    private static func isAptFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && AptSources.Format(fileName: name) != nil
            && name.utf8.allSatisfy { ASCIIName.allowed.contains($0) }
    }
}

private enum ASCIIName {
    static let allowed = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.".utf8))
}
