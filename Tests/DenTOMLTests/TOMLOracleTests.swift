import DenTOML
import Testing

@Suite("agreement with Python's tomllib", .enabled(if: Tomllib.isAvailable, "needs python3 with tomllib (3.11+)"))
struct TOMLOracleTests {
    @Test("valid documents parse to the same tree", arguments: OracleCorpus.valid)
    func validDocument(_ document: CorpusDocument) throws {
        let oracle = try Tomllib.result(for: document.text)
        #expect(oracle.valid, "tomllib rejects the document: \(oracle.error ?? "")")
        let expected = try #require(oracle.value).converted()
        let table = try TOML.parse(document.text)
        #expect(TaggedValue(.table(table)) == expected)
    }

    @Test("invalid documents are rejected by both", arguments: OracleCorpus.invalid)
    func invalidDocument(_ document: CorpusDocument) throws {
        let oracle = try Tomllib.result(for: document.text)
        #expect(!oracle.valid, "tomllib accepts the document")
        #expect(throws: TOMLParseError.self) { _ = try TOML.parse(document.text) }
    }

    @Test("every error case is invalid for tomllib too", arguments: TOMLErrorTests.cases.filter(\.isCheckedByOracle))
    func errorCase(_ errorCase: TOMLErrorTests.Case) throws {
        let oracle = try Tomllib.result(for: errorCase.document)
        #expect(!oracle.valid, "tomllib accepts the document")
    }

    @Test("every value case parses to the same value in tomllib", arguments: TOMLValueTests.cases.filter(\.isCheckedByOracle))
    func valueCase(_ valueCase: TOMLValueTests.Case) throws {
        let oracle = try Tomllib.result(for: valueCase.document)
        #expect(oracle.valid, "tomllib rejects the document: \(oracle.error ?? "")")
        let expected = try #require(oracle.value).converted()
        #expect(TaggedValue(.table(try TOML.parse(valueCase.document))) == expected)
    }
}

extension TOMLOracleTests {
    /// den accepts exactly what tomllib accepts, with two deliberate exceptions: integers beyond
    /// 64 bits (den rejects them) and the year 0000 (Python's datetime cannot hold it). Whatever den
    /// accepts must also survive a trip through the writer.
    @Test("mutated documents get the same verdict and tree", arguments: OracleMutants.documents)
    func mutant(_ document: CorpusDocument) throws {
        let oracle = try Tomllib.result(for: document.text)
        let table: TOMLTable
        do {
            table = try TOML.parse(document.text)
        } catch {
            if oracle.valid, error.message.hasSuffix("does not fit in 64 bits") { return }
            #expect(!oracle.valid, "den rejects what tomllib accepts: \(error)")
            return
        }
        if !oracle.valid, oracle.error?.hasPrefix("Invalid date or datetime") == true, document.text.contains("0000-") {
            return
        }
        #expect(oracle.valid, "den accepts what tomllib rejects: \(oracle.error ?? "")")
        if let expected = try oracle.value?.converted() {
            #expect(TaggedValue(.table(table)) == expected)
        }
        #expect(try TOML.parse(TOML.render(table)) == table)
    }
}
