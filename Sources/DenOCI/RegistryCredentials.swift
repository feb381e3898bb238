import FoundationEssentials

/// A `WWW-Authenticate` challenge (RFC 7235) as registries send them: `Bearer realm="…",
/// service="…",scope="…"` for a token service, or `Basic realm="…"`.
public struct AuthenticationChallenge: Sendable, Hashable {
    public var scheme: String
    public var parameters: [String: String]

    public init?(header: String) {
        let trimmed = header.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = trimmed[space...]
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingBlanks().lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                // A quoted string; a backslash quotes the next character.
                var index = rest.index(after: rest.startIndex)
                var escaped = false
                while index < rest.endIndex {
                    let character = rest[index]
                    index = rest.index(after: index)
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
                rest = rest[index...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingBlanks()
                rest = rest[end...]
            }
            parameters[name] = value
        }
    }
}

/// A user name and password (or identity token) for one registry.
public struct RegistryCredential: Sendable, Hashable {
    public var username: String
    public var password: String
    /// The file it came from, to name in an error.
    public var source: String

    public init(username: String, password: String, source: String) {
        self.username = username
        self.password = password
        self.source = source
    }

    public var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// Credentials from the files podman and docker keep them in (`auths` entries with a base64
/// `user:password`). Credential helpers are not run: they are programs of the host's.
public struct RegistryCredentials: Sendable {
    /// Key (registry, or registry/namespace) to credential.
    var entries: [String: RegistryCredential]

    public init(entries: [String: RegistryCredential] = [:]) {
        self.entries = entries
    }

    /// The files in the order podman reads them: `$REGISTRY_AUTH_FILE`, then
    /// `$XDG_RUNTIME_DIR/containers/auth.json`, then docker's `config.json`. An entry in an
    /// earlier file wins.
    public static func files(environment: [String: String], home: String) -> [String] {
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append("\(runtime)/containers/auth.json") }
        files.append("\(environment["XDG_CONFIG_HOME"] ?? "\(home)/.config")/containers/auth.json")
        files.append("\(environment["DOCKER_CONFIG"] ?? "\(home)/.docker")/config.json")
        return files
    }

    /// Reads the files that exist; one that cannot be parsed is an error naming it, as
    /// silently pulling anonymously would hide the problem.
    public static func load(files: [String], read: (String) -> [UInt8]?) throws(ImageError) -> RegistryCredentials {
        struct File: Decodable {
            struct Entry: Decodable {
                var auth: String?
                var username: String?
                var password: String?
                var identitytoken: String?
            }
            var auths: [String: Entry]?
        }
        var entries: [String: RegistryCredential] = [:]
        for path in files {
            guard let bytes = read(path) else { continue }
            let file: File
            do {
                file = try JSONDecoder().decode(File.self, from: Data(bytes))
            } catch {
                throw .malformed(what: "credentials file \"\(path)\"", reason: "\(error)")
            }
            for (key, entry) in file.auths ?? [:] {
                let normalized = normalize(key)
                guard entries[normalized] == nil else { continue }
                if let auth = entry.auth, !auth.isEmpty {
                    guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
                          let colon = decoded.firstIndex(of: ":")
                    else { throw .malformed(what: "credentials file \"\(path)\"", reason: "the auth of '\(key)' is not base64 of user:password") }
                    entries[normalized] = RegistryCredential(
                        username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]), source: path)
                } else if let username = entry.username, let password = entry.password ?? entry.identitytoken {
                    entries[normalized] = RegistryCredential(username: username, password: password, source: path)
                }
            }
        }
        return RegistryCredentials(entries: entries)
    }

    /// The credential for a repository: the most specific `registry/namespace` key first.
    public func credential(registry: String, repository: String) -> RegistryCredential? {
        var key = "\(registry)/\(repository)"
        while true {
            if let credential = entries[key] { return credential }
            guard let slash = key.lastIndex(of: "/") else { return nil }
            key = String(key[..<slash])
        }
    }

    /// `https://host/v1/` and `host` name the same registry.
    static func normalize(_ key: String) -> String {
        var text = Substring(key)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
            // Docker's legacy keys end in an API path (`/v1/`), not a namespace.
            if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        }
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
