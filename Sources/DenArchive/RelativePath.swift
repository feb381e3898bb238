/// Turns an archive path into components below the root, or refuses it.
enum RelativePath {
    /// The longest single component Linux accepts (NAME_MAX).
    static let maxComponentBytes = 255

    /// `./a//b/` becomes `["a", "b"]`; `.` and `./` become `[]` (the root itself). Absolute paths and
    /// any `..` are refused rather than rewritten, so an archive cannot aim outside by accident or design.
    static func components(of path: String) throws(ArchiveError) -> [String] {
        guard !path.isEmpty else { throw .unsafePath(path: path, reason: .empty) }
        guard !path.utf8.contains(0) else { throw .unsafePath(path: path, reason: .nulCharacter) }
        guard !path.hasPrefix("/") else { throw .unsafePath(path: path, reason: .absolute) }
        var components: [String] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { throw .unsafePath(path: path, reason: .parentReference) }
            if component.utf8.count > maxComponentBytes { throw .unsafePath(path: path, reason: .nameTooLong) }
            components.append(String(component))
        }
        return components
    }
}
