import DenDebian
import Foundation
import Testing

@Suite("ClearSigned")
struct ClearSignedTests {
    /// An armoured signature block whose base64 and CRC-24 come from `gpg --enarmor` of the
    /// bytes "den test signature bytes" (so the checksum is GnuPG's, not ours).
    static let signature = """
        -----BEGIN PGP SIGNATURE-----
        Comment: made by gpg --enarmor

        ZGVuIHRlc3Qg
        c2lnbmF0dXJlIGJ5dGVz
        =zT3P
        -----END PGP SIGNATURE-----
        """
    static let signatureBytes = Array("den test signature bytes".utf8)
    static let begin = "-----BEGIN PGP SIGNED MESSAGE-----"

    static let valid: [(String, String, [String], String)] = [
        ("dash escapes and blank lines",
         "\(begin)\nHash: SHA256\n\nA: 1\n- -dash\n- - two\n- \n\nB: 2\n\(signature)\n",
         ["SHA256"], "A: 1\n-dash\n- two\n\n\nB: 2"),
        ("CRLF line ends",
         "\(begin)\r\nHash: SHA256\r\n\r\nA: 1\r\n- -dash\r\n\(signature.replacingOccurrences(of: "\n", with: "\r\n"))\r\n",
         ["SHA256"], "A: 1\n-dash"),
        ("blank lines around the message and trailing whitespace",
         "\n \n\(begin)  \nHash: SHA512\n\nA: 1 \t\n\(signature)\n\n\n", ["SHA512"], "A: 1"),
        ("several hashes", "\(begin)\nHash: SHA256, SHA512\nHash: SHA1\n\nA: 1\n\(signature)",
         ["SHA256", "SHA512", "SHA1"], "A: 1"),
        ("no Hash header (RFC 9580)", "\(begin)\n\nA: 1\n\(signature)", [], "A: 1"),
        ("empty body", "\(begin)\nHash: SHA256\n\n\(signature)", ["SHA256"], ""),
        ("padding and no checksum line",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\neA==\n-----END PGP SIGNATURE-----\n",
         ["SHA256"], "A: 1"),
    ]

    @Test(arguments: valid)
    func extracts(_ name: String, _ text: String, _ hashes: [String], _ signedText: String) throws {
        let message = try ClearSigned(text)
        #expect(message.hashAlgorithms == hashes)
        #expect(message.signedText == signedText)
        if text.contains("=zT3P") {
            #expect(message.signature == Self.signatureBytes)
        } else {
            #expect(message.signature == Array("x".utf8))
        }
        #expect(try ClearSigned(Array(text.utf8)) == message)
    }

    static let invalid: [(String, String, Int, DebianError.ArmorProblem)] = [
        ("empty input", "", 1, .missingBeginLine),
        ("unsigned text before the message", "Origin: evil\n\(begin)\nHash: SHA256\n\nA: 1\n\(signature)", 1,
         .missingBeginLine),
        ("not a signed message", "-----BEGIN PGP MESSAGE-----\n\nabc\n", 1, .missingBeginLine),
        ("header other than Hash", "\(begin)\nCharset: UTF-8\n\nA: 1\n\(signature)", 2, .unsupportedHeader("Charset")),
        ("header without colon", "\(begin)\nHash SHA256\n\nA: 1\n\(signature)", 2, .invalidHeader("Hash SHA256")),
        ("empty hash name", "\(begin)\nHash: SHA256,,SHA1\n\nA: 1\n\(signature)", 2,
         .invalidHeader("Hash: SHA256,,SHA1")),
        ("headers never end", "\(begin)\nHash: SHA256\n", 2, .missingSignature),
        ("unescaped dash", "\(begin)\nHash: SHA256\n\nA: 1\n-B: 2\n\(signature)", 5, .unescapedDash),
        ("armour line inside the body", "\(begin)\nHash: SHA256\n\nA: 1\n-----END PGP SIGNATURE-----\n", 5,
         .unescapedDash),
        ("no signature", "\(begin)\nHash: SHA256\n\nA: 1\nB: 2\n", 5, .missingSignature),
        ("no end line", "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\nZGVu\n=zT3P\n", 8,
         .missingEndLine),
        ("data after the checksum",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\neA==\n=ENRY\neA==\n", 9, .missingEndLine),
        ("no blank line after the signature headers",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\neA==\n-----END PGP SIGNATURE-----\n", 6,
         .invalidHeader("eA==")),
        ("bad base64 character",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\neA=!\n-----END PGP SIGNATURE-----\n", 7,
         .invalidBase64),
        ("misplaced padding",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\ne=AA\n-----END PGP SIGNATURE-----\n", 8,
         .invalidBase64),
        ("checksum mismatch",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\neA==\n=ENRZ\n-----END PGP SIGNATURE-----\n", 8,
         .checksumMismatch),
        ("empty signature",
         "\(begin)\nHash: SHA256\n\nA: 1\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n", 7,
         .emptySignature),
        ("text after the signature", "\(begin)\nHash: SHA256\n\nA: 1\n\(signature)\nOrigin: evil\n", 12,
         .trailingContent),
        ("a second message", "\(begin)\nHash: SHA256\n\nA: 1\n\(signature)\n\(begin)\n", 12, .trailingContent),
    ]

    @Test(arguments: invalid)
    func rejects(_ name: String, _ text: String, _ line: Int, _ problem: DebianError.ArmorProblem) {
        #expect(throws: DebianError.malformedArmor(line: line, problem: problem)) { try ClearSigned(text) }
    }

    @Test(arguments: Fixtures.inReleaseNames)
    func readsTheRealInRelease(_ name: String) throws {
        let text = try Fixtures.text(name)
        let message = try ClearSigned(text)
        #expect(message.hashAlgorithms == ["SHA256"])
        #expect(message.signedText.hasPrefix("Origin: "))
        #expect(!message.signedText.contains("-----"))
        #expect(!message.signedText.hasSuffix("\n"))

        // The signature bytes must be what an independent base64 decoder makes of the armour.
        let armour = try #require(text.components(separatedBy: "-----BEGIN PGP SIGNATURE-----\n").last)
        let base64 = armour.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.isEmpty }.dropFirst()
            .filter { !$0.hasPrefix("=") && !$0.hasPrefix("-----") }.joined()
        #expect(base64.count > 100)
        #expect(message.signature == [UInt8](try #require(Data(base64Encoded: base64))))
        // An OpenPGP signature packet: new-format tag 2 (0xC2) or old-format (0x88…0x8B).
        #expect(message.signature.first == 0xC2 || (0x88...0x8B).contains(message.signature.first ?? 0))
    }

    static let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

    /// gpgv verifies the fixture and writes out the signed data; ours must be the same text
    /// (gpgv ends it with a newline, which RFC 4880 leaves out of the signed text).
    @Test(
        .enabled(if: Tool.isExecutable("/usr/bin/gpgv"), "gpgv is not installed"),
        .enabled(if: FileManager.default.fileExists(atPath: keyring), "no Debian archive keyring"),
        arguments: Fixtures.inReleaseNames)
    func signedTextIsWhatGpgvVerified(_ name: String) throws {
        let path = Fixtures.directory.appendingPathComponent(name).path
        let outcome = try Tool.run("/usr/bin/gpgv", ["--keyring", Self.keyring, "--output", "-", path])
        try #require(outcome.status == 0, "gpgv: \(outcome.errorOutput)")
        let message = try ClearSigned(try Fixtures.text(name))
        #expect(message.signedText + "\n" == String(decoding: outcome.output, as: UTF8.self))
    }
}
