import DenArchive

/// Applies image layers in order into one tree, as a container runtime's snapshotter would
/// flatten them: each layer's entries are extracted by `SafeExtractor` (no `..`, no absolute
/// paths, nothing written through a symlink, no device nodes), and its whiteouts remove
/// what the layers below put there (OCI image spec, layer.md):
/// - `DIR/.wh.NAME` removes `DIR/NAME`;
/// - `DIR/.wh..wh..opq` empties `DIR` of everything the layers below had in it.
public struct LayerApplier {
    public static let whiteoutPrefix = ".wh."
    public static let opaqueWhiteout = ".wh..wh..opq"
    static let aufsMetadataPrefix = ".wh..wh."

    let extractor: SafeExtractor

    public init(extractor: SafeExtractor) {
        self.extractor = extractor
    }

    /// Applies one layer (tar, compressed or not: libarchive detects which).
    public func apply(_ reader: ArchiveReader) throws(ArchiveError) {
        // What this layer wrote, with every directory on the way: an opaque whiteout keeps it.
        var written: Set<String> = []
        while let entry = try reader.next() {
            let components = try SafeExtractor.components(of: entry.path)
            guard let name = components.last else {
                try extractor.extract(entry, from: reader)
                continue
            }
            // aufs's own bookkeeping (`.wh..wh.plnk/…` hard link directories) is not content.
            if components.dropLast().contains(where: { $0.hasPrefix(Self.aufsMetadataPrefix) }) { continue }
            let parent = components.dropLast().joined(separator: "/")
            if name == Self.opaqueWhiteout {
                try extractor.removeContents(ofDirectory: parent.isEmpty ? "." : parent) { written.contains($0) }
                continue
            }
            if name.hasPrefix(Self.whiteoutPrefix) {
                let hidden = String(name.dropFirst(Self.whiteoutPrefix.count))
                if name.hasPrefix(Self.aufsMetadataPrefix) || hidden.isEmpty || hidden == "." || hidden == ".." { continue }
                try extractor.removeItem(atPath: parent.isEmpty ? hidden : "\(parent)/\(hidden)")
                continue
            }
            try extractor.extract(entry, from: reader)
            var path = components.joined(separator: "/")
            while written.insert(path).inserted, let slash = path.lastIndex(of: "/") {
                path = String(path[..<slash])
            }
        }
        try extractor.finish()
    }
}
