/// apt's source lists (sources.list(5)): deb822 `.sources` files and one-line `.list` files,
/// read into `AptSource` entries, and the choice of which entry is the Debian archive.
/// Text in, values out: reading `/etc/apt` is the caller's job.
public enum AptSources {
    public enum Format: Sendable, Hashable {
        /// `Types:`/`URIs:`/`Suites:` stanzas, as in `sources.list.d/*.sources`.
        case deb822
        /// `deb [options] URI SUITE COMPONENT…`, as in `sources.list` and `sources.list.d/*.list`.
        case oneLine

        /// The format apt reads a file of this name in; nil for names apt ignores.
        public init?(fileName: String) {
            if fileName.hasSuffix(".sources") {
                self = .deb822
            } else if fileName.hasSuffix(".list") {
                self = .oneLine
            } else {
                return nil
            }
        }
    }

    /// The entries of a source list in file order. `cdrom:` URIs are left out (den cannot read
    /// a disc), and so is an entry left with no other URI; `file` is recorded on every entry.
    public static func parse(_ text: String, format: Format, file: String? = nil) throws(AptSourcesError) -> [AptSource] {
        switch format {
        case .deb822: try parseDeb822(text, file: file)
        case .oneLine: try parseOneLine(text, file: file)
        }
    }

    static func parseDeb822(_ text: String, file: String?) throws(AptSourcesError) -> [AptSource] {
        let paragraphs: [Deb822Paragraph]
        do {
            paragraphs = try Deb822.parse(text)
        } catch {
            throw .invalidDeb822(error)
        }
        var sources: [AptSource] = []
        for paragraph in paragraphs {
            let isEnabled = paragraph["Enabled"].map(isTrue) ?? true
            // apt looks at `Enabled` before the other fields, so a disabled stanza need not be complete.
            func required(_ name: String, always: Bool = false) throws(AptSourcesError) -> [String] {
                let values = words(paragraph[name] ?? "")
                guard !values.isEmpty || !(isEnabled || always) else {
                    throw .missingField(name, line: paragraph.line)
                }
                return values
            }
            let types = try required("Types", always: true)
            let uris = try required("URIs").filter { !isCDROM($0) }
            let suites = try required("Suites")
            // A suite ending in `/` is a path into a flat repository, which has no components.
            var components: [String] = []
            if !suites.allSatisfy({ $0.hasSuffix("/") }) {
                components = try required("Components")
            }
            guard !uris.isEmpty else { continue }
            sources.append(
                AptSource(
                    types: types, uris: uris, suites: suites, components: components,
                    architectures: words(paragraph["Architectures"] ?? ""),
                    signedBy: signedBy(paragraph["Signed-By"] ?? ""),
                    isEnabled: isEnabled,
                    file: file, line: paragraph.line))
        }
        return sources
    }

    /// deb822 multi-value fields are separated by any whitespace, folded lines included.
    static func words(_ value: String, alsoSplittingOn extra: Character? = nil) -> [String] {
        value.split { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == extra }.map(String.init)
    }

    /// `Signed-By` is either a list of keyring paths and fingerprints or, in a `.sources` file,
    /// a whole armoured key written into the field.
    static func signedBy(_ value: String) -> [String] {
        if value.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            return [value.split(separator: "\n", omittingEmptySubsequences: false)
                .drop { $0.allSatisfy { $0 == " " || $0 == "\t" } }
                .joined(separator: "\n")]
        }
        return words(value, alsoSplittingOn: ",")
    }

    static func isCDROM(_ uri: String) -> Bool {
        uri.utf8.count >= 6 && uri.prefix(6).lowercased() == "cdrom:"
    }

    /// apt's `StringToBool` with a default of true, which is what `Enabled` gets: only a
    /// recognised "no" disables an entry.
    static func isTrue(_ value: String) -> Bool {
        let value = value.lowercased()
        if ["no", "false", "without", "off", "disable"].contains(value) { return false }
        if let number = Int(value) { return number != 0 }
        return true
    }
}
