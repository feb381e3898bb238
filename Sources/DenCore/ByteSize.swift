/// Sizes as people write them in a manifest: `512M`, `2G`, `1.5GiB`, or plain bytes.
/// Suffixes are binary (1K = 1024), as cgroups and most dev tools read them.
public enum ByteSize {
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces()
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = trimmed[..<numberEnd]
        let suffix = trimmed[numberEnd...].trimmingSpaces()
        guard !number.isEmpty, number.first != ".", number.last != ".",
              number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { return nil }
        let shift: UInt64
        switch suffix.uppercased() {
        case "", "B": shift = 0
        case "K", "KB", "KIB": shift = 10
        case "M", "MB", "MIB": shift = 20
        case "G", "GB", "GIB": shift = 30
        case "T", "TB", "TIB": shift = 40
        default: return nil
        }
        let bytes = value * Double(UInt64(1) << shift)
        guard bytes.isFinite, bytes < 9.0e18 else { return nil }
        return UInt64(bytes.rounded(.down))
    }

    /// `2 GiB`, `512 MiB`, `1.5 GiB`, `100 B`: for summaries.
    public static func format(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }

    /// `64M`, `2G`, `1536K`: a limit as a manifest would write it, exact.
    public static func limitText(_ bytes: UInt64) -> String {
        for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }
}
