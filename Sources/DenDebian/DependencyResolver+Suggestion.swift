extension DependencyResolver {
    /// The known package or virtual name closest to `name` by edit distance (adjacent swaps count
    /// as one edit), if it is close enough to be a likely typo: at most one edit for names of up
    /// to four characters, two up to eight, three beyond. Ties go to the alphabetically first.
    func suggestion(for name: String) -> String? {
        let target = Array(name.lowercased().utf8)
        let limit = target.count <= 4 ? 1 : target.count <= 8 ? 2 : 3
        var best: (distance: Int, name: String)?
        func consider(_ candidate: String) {
            let bytes = Array(candidate.utf8)
            guard abs(bytes.count - target.count) <= limit else { return }
            let bound = best.map { min($0.distance, limit) } ?? limit
            guard let distance = Self.editDistance(target, bytes, bound: bound) else { return }
            if let current = best, current.distance < distance || (current.distance == distance && current.name <= candidate) {
                return
            }
            best = (distance, candidate)
        }
        for candidate in universe.slotsByName.keys {
            consider(candidate)
        }
        for candidate in universe.providers.keys where universe.slotsByName[candidate] == nil {
            consider(candidate)
        }
        return best?.name
    }

    /// Optimal string alignment distance, or nil as soon as it must exceed `bound`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], bound: Int) -> Int? {
        if a == b { return 0 }
        if a.isEmpty || b.isEmpty {
            let distance = max(a.count, b.count)
            return distance <= bound ? distance : nil
        }
        let width = b.count + 1
        var previous2 = [Int](repeating: 0, count: width)
        var previous = Array(0..<width)
        var current = [Int](repeating: 0, count: width)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1..<width {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > bound { return nil }
            swap(&previous2, &previous)
            swap(&previous, &current)
        }
        let distance = previous[b.count]
        return distance <= bound ? distance : nil
    }
}
