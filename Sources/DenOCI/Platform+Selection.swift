#if canImport(Glibc)
import Glibc
#endif

extension Platform {
    /// This machine as an image index names it (Go's GOARCH names, as the OCI spec uses).
    public static let host: Platform = {
        var names = utsname()
        uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return Platform(machine: machine)
    }()

    /// The platform for a kernel machine name (`uname -m`).
    public init(machine: String) {
        switch machine {
        case "x86_64": self.init(architecture: "amd64")
        case "aarch64", "arm64": self.init(architecture: "arm64", variant: "v8")
        case "armv7l", "armv7": self.init(architecture: "arm", variant: "v7")
        case "armv6l": self.init(architecture: "arm", variant: "v6")
        case "i386", "i686": self.init(architecture: "386")
        case "ppc64le": self.init(architecture: "ppc64le")
        case "s390x": self.init(architecture: "s390x")
        case "riscv64": self.init(architecture: "riscv64")
        default: self.init(architecture: machine)
        }
    }

    /// Whether an image built for `other` runs here. arm64 images often leave out their
    /// variant, which then means v8, as containerd's matcher treats it.
    public func accepts(_ other: Platform) -> Bool {
        guard other.os == os, other.architecture == architecture else { return false }
        let normalized = { (variant: String?) -> String? in
            architecture == "arm64" && (variant == nil || variant == "v8") ? nil : variant
        }
        let wanted = normalized(variant)
        return wanted == nil || normalized(other.variant) == wanted
    }
}

extension ImageIndex {
    /// The manifest for `platform`: one whose platform matches exactly first, then one
    /// without a variant. Attestation entries (`unknown/unknown`) are never chosen.
    public func manifest(for platform: Platform) throws(ImageError) -> Descriptor {
        let images = manifests.filter { MediaType.manifestAccept.contains($0.mediaType) }
        let candidates = images.filter { $0.platform.map(platform.accepts) ?? false }
        if let exact = candidates.first(where: { $0.platform?.variant == platform.variant }) { return exact }
        if let loose = candidates.first { return loose }
        let available = images.compactMap(\.platform).filter { $0.os != "unknown" }.map(\.description)
        throw .noPlatform(wanted: platform.description, available: available)
    }
}
