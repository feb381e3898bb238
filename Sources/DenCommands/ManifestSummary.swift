import DenCore

/// `den check`'s normalized view of a manifest: every setting with its effective value,
/// defaults spelt out, so a user sees exactly what den will do.
struct ManifestSummary {
    var project: Project
    var manifest: Manifest

    func rendered(style: TerminalStyle) -> String {
        // Each row is a label and one or more values; further values align under the first.
        var rows: [(label: String, values: [String])] = [
            ("manifest", [project.manifestPath]),
            ("name", [manifest.name]),
            ("base", [baseDescription]),
            ("packages", [manifest.packages.isEmpty ? "none" : manifest.packages.map(\.description).joined(separator: " ")]),
            ("recommends", [manifest.installsRecommends ? "installed" : "not installed"]),
            ("shell", [manifest.shell ?? "default (/bin/bash, else /bin/sh)"]),
            ("network", [manifest.network == .host ? "host (shared with the host)" : "none (loopback only)"]),
        ]
        if case .debian = manifest.base {
            rows.append(("mirror", [manifest.mirror ?? "from the host's apt configuration (or DEN_MIRROR)"]))
            rows.append(("keyring", [manifest.keyring ?? "/usr/share/keyrings/debian-archive-keyring.gpg"]))
        }
        rows.append(("vars", manifest.variables.map { "\($0.name)=\($0.value)" }))
        rows.append(("mounts", manifest.mounts.map { "\($0.source) -> \($0.target) (\($0.isReadOnly ? "read-only" : "read-write"))" }))
        rows.append(("limits", [limitsDescription]))

        let width = rows.map(\.label.count).max() ?? 0
        var text = ""
        for row in rows {
            let values = row.values.isEmpty ? ["none"] : row.values
            for (index, value) in values.enumerated() {
                let label = index == 0 ? row.label : ""
                let padding = String(repeating: " ", count: width - label.count)
                text += "\(style.bold(label))\(padding)  \(value)\n"
            }
        }
        return text
    }

    private var baseDescription: String {
        switch manifest.base {
        case .debian(let suite): "debian:\(suite) (built by den from the Debian archive)"
        case .image(let reference): "\(reference) (OCI image\(reference.isFullyQualified ? "" : ", short name"))"
        case .directory(let path): "dir:\(path) (prepared root filesystem, read-only)"
        case .ociLayout: "\(manifest.base) (OCI image from a layout directory)"
        case .dockerArchive: "\(manifest.base) (image from a docker save archive)"
        }
    }

    private var limitsDescription: String {
        let limits = manifest.limits
        guard !limits.isEmpty else { return "none" }
        var parts: [String] = []
        if let bytes = limits.memoryBytes { parts.append("memory \(ByteSize.format(bytes))") }
        if let cpus = limits.cpus { parts.append("cpus \(cpus == cpus.rounded() ? String(Int(cpus)) : String(cpus))") }
        if let pids = limits.pids { parts.append("pids \(pids)") }
        return parts.joined(separator: ", ")
    }
}
