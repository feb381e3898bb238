/// Deterministic near-misses of the valid corpus: each mutant deletes, duplicates or replaces one
/// character, or inserts one that often matters to TOML. Most mutants are invalid in interesting
/// ways; the oracle decides which.
enum OracleMutants {
    static let perDocument = 40

    static let documents: [CorpusDocument] = {
        var generator = SplitMix64(seed: 0x7031_5eed)
        let interesting: [Character] = [
            "\"", "'", "[", "]", "{", "}", ",", ".", "=", "#", " ", "\n", "\\", "_", "-", "+", ":", "0", "1",
            "e", "x", "T", "Z", "\t", "\r", "\u{1}", "é",
        ]
        var mutants: [CorpusDocument] = []
        var seen: Set<String> = []
        for document in OracleCorpus.valid where !document.text.isEmpty {
            let characters = Array(document.text)
            for number in 0..<perDocument {
                var mutated = characters
                let position = Int(generator.next() % UInt64(mutated.count))
                let replacement = interesting[Int(generator.next() % UInt64(interesting.count))]
                switch generator.next() % 4 {
                case 0: mutated.remove(at: position)
                case 1: mutated.insert(mutated[position], at: position)
                case 2: mutated[position] = replacement
                default: mutated.insert(replacement, at: position)
                }
                let text = String(mutated)
                guard seen.insert(text).inserted else { continue }
                mutants.append(CorpusDocument("\(document.name) #\(number)", text))
            }
        }
        return mutants
    }()
}

/// A small seeded generator so the mutants are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
