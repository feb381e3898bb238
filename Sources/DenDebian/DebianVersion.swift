/// A Debian package version, `[epoch:]upstream[-revision]`, ordered and compared exactly as
/// `dpkg --compare-versions` does.
///
/// Validation follows dpkg's `parseversion`. dpkg reports two classes of problems: errors
/// (empty, embedded spaces, bad epoch, nothing after the colon, empty revision, empty upstream)
/// and warnings (upstream not starting with a digit, characters outside `[A-Za-z0-9.+~:-]` in
/// the upstream part or `[A-Za-z0-9.+~]` in the revision). dpkg only tolerates warnings when it
/// reads its own database in lax mode; `dpkg-deb --build` and `dpkg -i` refuse them, so no package
/// in a Debian archive can carry one. This type treats both classes as errors: a version it
/// accepts is one dpkg would install.
///
/// One deliberate divergence: dpkg reads the epoch with `strtol`, which accepts a sign
/// (`+1:2.0`, `-0:2.0`); Debian policy says the epoch is an unsigned integer, so a sign is
/// rejected here.
///
/// Equality is dpkg's: `1.0 == 0:1.0 == 1.0-0 == 1.00`. The hash agrees with `==` (it feeds a
/// canonical form: leading zeros of digit runs dropped, an absent digit run counted as zero).
/// `description` gives back the text as written, so two equal versions may print differently.
public struct DebianVersion: Sendable {
    /// The version as written, minus surrounding blanks.
    private let text: String
    public let epoch: Int
    /// UTF-8 offsets into `text`: the upstream part is `upstreamStart..<upstreamEnd`, and a
    /// revision, if any, follows the hyphen at `upstreamEnd`.
    private let upstreamStart: Int
    private let upstreamEnd: Int

    public init(_ string: String) throws(DebianError) {
        self = try withBytes(of: string) { bytes throws(DebianError) in
            try DebianVersion(utf8: bytes)
        }
    }

    init(utf8 raw: Bytes) throws(DebianError) {
        var low = 0
        var high = raw.count
        while low < high, ASCII.isBlank(raw[low]) { low += 1 }
        while high > low, ASCII.isBlank(raw[high - 1]) { high -= 1 }
        func fail(_ problem: DebianError.VersionProblem) -> DebianError {
            .invalidVersion(raw.string(), problem: problem)
        }
        guard low < high else { throw fail(.empty) }
        for i in low..<high where ASCII.isBlank(raw[i]) {
            throw fail(.embeddedSpace)
        }

        var epoch = 0
        var upstreamStart = low
        if let colon = raw.firstIndex(of: ASCII.colon, from: low, to: high) {
            guard colon > low else { throw fail(.emptyEpoch) }
            var digitsStart = low
            if raw[low] == ASCII.hyphen {
                digitsStart += 1
            }
            guard digitsStart < colon else { throw fail(.emptyEpoch) }
            for i in digitsStart..<colon where !ASCII.isDigit(raw[i]) {
                throw fail(.nonNumericEpoch)
            }
            if digitsStart > low {
                throw fail(.negativeEpoch)
            }
            var significant = low
            while significant < colon - 1, raw[significant] == ASCII.zero { significant += 1 }
            // dpkg stores the epoch in an int; more than ten significant digits cannot fit.
            guard colon - significant <= 10 else { throw fail(.epochTooLarge) }
            for i in significant..<colon {
                epoch = epoch * 10 + Int(raw[i] - ASCII.zero)
            }
            guard epoch <= Int(Int32.max) else { throw fail(.epochTooLarge) }
            guard colon + 1 < high else { throw fail(.nothingAfterColon) }
            upstreamStart = colon + 1
        }

        var upstreamEnd = high
        var index = high - 1
        while index >= upstreamStart {
            if raw[index] == ASCII.hyphen {
                upstreamEnd = index
                break
            }
            index -= 1
        }
        if upstreamEnd < high, upstreamEnd + 1 == high {
            throw fail(.emptyRevision)
        }
        guard upstreamEnd > upstreamStart else { throw fail(.emptyUpstream) }
        guard ASCII.isDigit(raw[upstreamStart]) else { throw fail(.upstreamStartsWithNonDigit) }
        for i in upstreamStart..<upstreamEnd {
            let c = raw[i]
            if !ASCII.isAlphanumeric(c), c != ASCII.dot, c != ASCII.hyphen, c != ASCII.plus,
                c != ASCII.tilde, c != ASCII.colon
            {
                throw fail(.invalidCharacterInUpstream(character(in: raw, at: i)))
            }
        }
        if upstreamEnd < high {
            for i in (upstreamEnd + 1)..<high {
                let c = raw[i]
                if !ASCII.isAlphanumeric(c), c != ASCII.dot, c != ASCII.plus, c != ASCII.tilde {
                    throw fail(.invalidCharacterInRevision(character(in: raw, at: i)))
                }
            }
        }

        self.text = raw.string(low, high)
        self.epoch = epoch
        self.upstreamStart = upstreamStart - low
        self.upstreamEnd = upstreamEnd - low
    }

    public var upstream: String {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: upstreamStart)
        let end = utf8.index(utf8.startIndex, offsetBy: upstreamEnd)
        return String(text[start..<end])
    }

    /// The Debian revision, empty when the version has none.
    public var revision: String {
        let utf8 = text.utf8
        guard upstreamEnd < utf8.count else { return "" }
        let start = utf8.index(utf8.startIndex, offsetBy: upstreamEnd + 1)
        return String(text[start...])
    }

    /// Gives the upstream and revision bytes to `body` without copying.
    func withFragments<R>(_ body: (Bytes, Bytes) -> R) -> R {
        var text = self.text
        return text.withUTF8 { bytes in
            let upstream = bytes.slice(upstreamStart, upstreamEnd)
            let revision = upstreamEnd < bytes.count ? bytes.slice(upstreamEnd + 1, bytes.count) : bytes.slice(0, 0)
            return body(upstream, revision)
        }
    }
}

extension DebianVersion: CustomStringConvertible {
    public var description: String { text }
}
