import DenOCI

/// The parsed `den.toml`: what the user asked for, before anything is resolved or pinned.
public struct Manifest: Sendable, Equatable {
    public var name: String
    public var base: BaseReference
    public var packages: [PackageRequest]
    public var installsRecommends: Bool
    /// nil: `/bin/bash` when the env has it, else `/bin/sh`.
    public var shell: String?
    public var network: NetworkMode
    /// Whether the env gets the user's SSH agent (when `SSH_AUTH_SOCK` is set): a grant that
    /// needs `den trust`, like a mount outside the project.
    public var forwardsSSHAgent: Bool = true
    /// `REGISTRY/REPOSITORY` where built envs of this project are shared (`den push`): a build
    /// pulls the env of its den.lock from there instead of building it, once trusted.
    public var cache: ImageReference?
    /// nil: the host's apt configuration (or `DEN_MIRROR`) decides.
    public var mirror: String?
    /// nil: the Debian archive keyring.
    public var keyring: String?
    /// In manifest order, so later entries may refer to earlier ones in a shell.
    public var variables: [EnvironmentVariable]
    public var mounts: [Mount]
    public var limits: Limits

    public init(
        name: String, base: BaseReference, packages: [PackageRequest] = [], installsRecommends: Bool = false,
        shell: String? = nil, network: NetworkMode = .host, mirror: String? = nil, keyring: String? = nil,
        variables: [EnvironmentVariable] = [], mounts: [Mount] = [], limits: Limits = Limits()
    ) {
        self.name = name
        self.base = base
        self.packages = packages
        self.installsRecommends = installsRecommends
        self.shell = shell
        self.network = network
        self.mirror = mirror
        self.keyring = keyring
        self.variables = variables
        self.mounts = mounts
        self.limits = limits
    }

    public static let fileName = "den.toml"
}

public struct PackageRequest: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// An exact version from `name=VERSION`; nil lets the resolver pick the candidate.
    public var version: String?

    public init(name: String, version: String? = nil) {
        self.name = name
        self.version = version
    }

    public var description: String { version.map { "\(name)=\($0)" } ?? name }
}

public enum NetworkMode: String, Sendable, Hashable, CaseIterable {
    case host
    case none
}

public struct EnvironmentVariable: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct Mount: Sendable, Hashable {
    /// Absolute host path (`~` and project-relative paths already expanded).
    public var source: String
    /// Absolute path inside the env.
    public var target: String
    public var isReadOnly: Bool

    public init(source: String, target: String, isReadOnly: Bool = true) {
        self.source = source
        self.target = target
        self.isReadOnly = isReadOnly
    }
}

public struct Limits: Sendable, Hashable {
    public var memoryBytes: UInt64?
    public var cpus: Double?
    public var pids: Int?

    public init(memoryBytes: UInt64? = nil, cpus: Double? = nil, pids: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
    }

    public var isEmpty: Bool { memoryBytes == nil && cpus == nil && pids == nil }
}
