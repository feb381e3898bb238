/// A directory with a `den.toml`: the unit den builds an env for.
public struct Project: Sendable, Equatable {
    public var directory: String
    public var manifestPath: String

    public init(directory: String) {
        self.directory = directory
        self.manifestPath = directory == "/" ? "/\(Manifest.fileName)" : "\(directory)/\(Manifest.fileName)"
    }

    /// The nearest `den.toml` in `directory` or above it, as git finds `.git`.
    public static func locate(from directory: String) throws(ManifestError) -> Project {
        var current = Path.normalize(directory)
        while true {
            let candidate = Project(directory: current)
            if FileSystem.isRegularFile(candidate.manifestPath) { return candidate }
            if current == "/" { break }
            current = Path.parent(current)
        }
        throw ManifestError(.notFound(searchedFrom: directory), file: directory)
    }

    public func loadManifest(homeDirectory: String) throws(ManifestError) -> Manifest {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(manifestPath)
        } catch {
            throw ManifestError(.unreadable(errno: error.errno), file: manifestPath)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestError(.notUTF8, file: manifestPath)
        }
        return try Manifest.parse(text, file: manifestPath, projectDirectory: directory, homeDirectory: homeDirectory)
    }
}
