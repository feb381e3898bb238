/// Lexical path helpers. They never touch the disk: whatever they return is still resolved
/// fd-relative (never followed as a string) when den opens it.
public enum Path {
    /// Collapses `//`, `.` and `..` of an absolute path lexically; `..` at the root stays at the root.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        // Not joined(separator:): its first use is generic, and costs every den start a scan
        // of the binary's protocol conformances (~0.1 ms).
        if parts.isEmpty { return "/" }
        var normalized = ""
        for part in parts {
            normalized.append("/")
            normalized.append(contentsOf: part)
        }
        return normalized
    }

    /// `relative` interpreted against the absolute directory `base`, normalised.
    public static func resolve(_ relative: String, against base: String) -> String {
        relative.hasPrefix("/") ? normalize(relative) : normalize(base + "/" + relative)
    }

    public static func components(_ path: String) -> [Substring] {
        path.split(separator: "/")
    }

    public static func lastComponent(_ path: String) -> String {
        components(path).last.map(String.init) ?? "/"
    }

    public static func parent(_ path: String) -> String {
        let parts = components(path)
        return parts.count <= 1 ? "/" : "/" + parts.dropLast().joined(separator: "/")
    }

    /// True when `path` equals `ancestor` or lies below it (both absolute and normalised).
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        ancestor == "/" || path == ancestor || path.hasPrefix(ancestor + "/")
    }
}
