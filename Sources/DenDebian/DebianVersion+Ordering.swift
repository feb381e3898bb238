extension DebianVersion: Comparable, Hashable {
    /// dpkg's `dpkg_version_compare`: negative, zero or positive.
    public static func compare(_ a: DebianVersion, _ b: DebianVersion) -> Int {
        if a.epoch != b.epoch {
            return a.epoch < b.epoch ? -1 : 1
        }
        return a.withFragments { aUpstream, aRevision in
            b.withFragments { bUpstream, bRevision in
                let upstream = compareFragments(aUpstream, bUpstream)
                if upstream != 0 {
                    return upstream
                }
                return compareFragments(aRevision, bRevision)
            }
        }
    }

    public static func < (a: DebianVersion, b: DebianVersion) -> Bool { compare(a, b) < 0 }

    public static func == (a: DebianVersion, b: DebianVersion) -> Bool { compare(a, b) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        withFragments { upstream, revision in
            var canonical: [UInt8] = []
            canonical.reserveCapacity(upstream.count + revision.count + 4)
            Self.appendCanonical(upstream, to: &canonical)
            // 0xFF never occurs in a valid version, so it cleanly separates the two parts.
            canonical.append(0xFF)
            Self.appendCanonical(revision, to: &canonical)
            canonical.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// dpkg's `order()`: `~` sorts before everything, even the end of the string; letters sort
    /// before all other non-digits.
    @inline(__always) private static func order(_ c: UInt8) -> Int {
        if ASCII.isDigit(c) { return 0 }
        if ASCII.isAlpha(c) { return Int(c) }
        if c == ASCII.tilde { return -1 }
        if c != 0 { return Int(c) + 256 }
        return 0
    }

    /// dpkg's `verrevcmp`. Digit runs compare by length after dropping leading zeros and then
    /// digit by digit, so arbitrarily long runs never overflow.
    static func compareFragments(_ a: Bytes, _ b: Bytes) -> Int {
        var i = 0
        var j = 0
        let aCount = a.count
        let bCount = b.count
        while i < aCount || j < bCount {
            while (i < aCount && !ASCII.isDigit(a[i])) || (j < bCount && !ASCII.isDigit(b[j])) {
                let ac = i < aCount ? order(a[i]) : 0
                let bc = j < bCount ? order(b[j]) : 0
                if ac != bc {
                    return ac - bc
                }
                i += 1
                j += 1
            }
            while i < aCount, a[i] == ASCII.zero { i += 1 }
            while j < bCount, b[j] == ASCII.zero { j += 1 }
            var firstDifference = 0
            while i < aCount, j < bCount, ASCII.isDigit(a[i]), ASCII.isDigit(b[j]) {
                if firstDifference == 0 {
                    firstDifference = Int(a[i]) - Int(b[j])
                }
                i += 1
                j += 1
            }
            if i < aCount, ASCII.isDigit(a[i]) { return 1 }
            if j < bCount, ASCII.isDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference }
        }
        return 0
    }

    /// A form in which two fragments are byte-equal exactly when `compareFragments` calls them
    /// equal: non-digit runs compare equal only when identical, digit runs compare by value, and
    /// a missing digit run counts as zero. So digit runs lose their leading zeros, an empty or
    /// all-zero run becomes "0", and a fragment that is nothing but zeros becomes empty (that is
    /// how `1.0-0` equals `1.0`).
    static func appendCanonical(_ fragment: Bytes, to output: inout [UInt8]) {
        if fragment.allSatisfy({ $0 == ASCII.zero }) {
            return
        }
        var i = 0
        let count = fragment.count
        while i < count {
            while i < count, !ASCII.isDigit(fragment[i]) {
                output.append(fragment[i])
                i += 1
            }
            while i < count, fragment[i] == ASCII.zero { i += 1 }
            let digitsStart = i
            while i < count, ASCII.isDigit(fragment[i]) {
                output.append(fragment[i])
                i += 1
            }
            if i == digitsStart {
                output.append(ASCII.zero)
            }
        }
    }
}
