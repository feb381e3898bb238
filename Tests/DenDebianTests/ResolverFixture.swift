import DenDebian

/// Small Packages indexes written as deb822 text for the resolver tests. Stanzas give only what
/// a test is about: `Version` defaults to 1.0, `Architecture` to amd64, and the download fields
/// the resolver never reads (Filename, Size, SHA256) are filled in before the text goes through
/// the real `PackagesIndex` parser.
enum ResolverFixture {
    static func index(_ text: String) throws -> PackagesIndex {
        var paragraphs = try Deb822.parse(text)
        for i in paragraphs.indices {
            if paragraphs[i]["Version"] == nil {
                paragraphs[i]["Version"] = "1.0"
            }
            if paragraphs[i]["Architecture"] == nil {
                paragraphs[i]["Architecture"] = "amd64"
            }
            let name = paragraphs[i]["Package"] ?? "unnamed"
            let version = paragraphs[i]["Version"] ?? ""
            let architecture = paragraphs[i]["Architecture"] ?? ""
            if paragraphs[i]["Filename"] == nil {
                paragraphs[i]["Filename"] = "pool/\(name)_\(version)_\(architecture).deb"
            }
            paragraphs[i]["Size"] = "1"
            paragraphs[i]["SHA256"] = String(repeating: "0", count: 64)
        }
        return try PackagesIndex(Deb822.format(paragraphs))
    }

    static func resolver(
        _ texts: String..., architecture: String = "amd64", foreignArchitectures: [String] = []
    ) throws -> DependencyResolver {
        DependencyResolver(
            indexes: try texts.map { try index($0) }, architecture: architecture,
            foreignArchitectures: foreignArchitectures)
    }

    /// Resolves without the base set (the small indexes have no apt) and returns `name version`
    /// lines, with `:arch` for packages of a foreign architecture.
    static func resolve(
        _ resolver: DependencyResolver, _ requests: [String], recommends: Bool = false
    ) throws -> [String] {
        let resolution = try resolver.resolve(
            try requests.map { try InstallRequest($0) }, includesBase: false, installsRecommends: recommends)
        return resolution.entries.map { entry in
            let package = entry.package
            let qualifier = ["all", resolver.architecture].contains(package.architecture) ? "" : ":" + package.architecture
            return "\(package.name)\(qualifier) \(package.version)"
        }
    }

    /// The error a resolution throws, or nil when it succeeds.
    static func error(
        _ resolver: DependencyResolver, _ requests: [String], includesBase: Bool = false, recommends: Bool = false
    ) throws -> ResolverError? {
        let parsed = try requests.map { try InstallRequest($0) }
        do {
            _ = try resolver.resolve(parsed, includesBase: includesBase, installsRecommends: recommends)
            return nil
        } catch {
            return error
        }
    }
}
