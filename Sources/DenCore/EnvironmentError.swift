/// Why an env could not be prepared.
public enum EnvironmentError: Error, Sendable, Equatable {
    /// The base needs a build step that this den cannot do yet.
    case baseNotSupported(BaseReference)
    case baseDirectoryMissing(String)
    /// The env's files were made with another id mapping; entering with this one would
    /// show them with the wrong owners.
    case idMappingChanged(recorded: String, current: String, environmentDirectory: String)
    case mountSourceMissing(source: String, target: String)
    case store(SystemError)
    case metadata(path: String, reason: String)
}
