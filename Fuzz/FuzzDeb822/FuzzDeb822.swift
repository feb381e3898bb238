// libFuzzer target for DenDebian's parsers: what a mirror or /etc/apt hands den.
//
// The whole input goes through the document parsers (deb822, Release, Packages, InRelease
// armour, apt source lists); each of its first lines also goes through the one-line parsers
// (versions, relation fields, install requests, Release dates). A parsed Packages index is fed
// to the resolver, which has to survive whatever a mirror publishes.
//
// Invariants checked beyond "no crash, no sanitizer report": every value with a textual form
// parses back from it to an equal value, and dpkg version ordering is a total order.
import DenDebian
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeb822(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    checkDeb822(bytes)
    _ = try? ReleaseFile(text)
    if let signed = try? ClearSigned(bytes) {
        _ = try? ReleaseFile(signed.signedText)
    }
    if let index = try? PackagesIndex(bytes) {
        resolve(index)
    }
    _ = try? AptSources.parse(text, format: .deb822)
    _ = try? AptSources.parse(text, format: .oneLine)

    // The line parsers are cheap; the cap keeps the pairwise version checks linear.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64).map(String.init)
    var versions: [DebianVersion] = []
    for line in lines {
        checkRelations(line)
        checkInstallRequest(line)
        checkReleaseDate(line)
        if let version = checkVersion(line) { versions.append(version) }
    }
    checkOrdering(versions)
    return 0
}

/// `Deb822.format` is documented as the inverse of parsing for parsed values.
func checkDeb822(_ bytes: [UInt8]) {
    guard let paragraphs = try? Deb822.parse(bytes) else { return }
    let formatted = Deb822.format(paragraphs)
    let again: [Deb822Paragraph]
    do {
        again = try Deb822.parse(formatted)
    } catch {
        violated("formatted deb822 does not parse: \(error)\n--- formatted:\n\(formatted)")
    }
    // Line numbers differ (the formatter drops comments); names and values must not.
    func fields(_ paragraphs: [Deb822Paragraph]) -> [[String]] {
        paragraphs.map { $0.fields.flatMap { [$0.name, $0.value] } }
    }
    guard fields(again) == fields(paragraphs) else {
        violated("deb822 does not survive format and parse\n--- formatted:\n\(formatted)")
    }
}

func checkVersion(_ line: String) -> DebianVersion? {
    guard let version = try? DebianVersion(line) else { return nil }
    guard version.epoch >= 0 else { violated("negative epoch in '\(line)'") }
    guard let again = try? DebianVersion(version.description), again == version,
        DebianVersion.compare(version, version) == 0
    else {
        violated("version '\(line)' does not survive its description '\(version)'")
    }
    return version
}

/// dpkg ordering must be antisymmetric and transitive, and `==` must agree with the hash, or
/// sorting candidates and looking them up in sets would disagree.
func checkOrdering(_ versions: [DebianVersion]) {
    func sign(_ n: Int) -> Int { n < 0 ? -1 : (n > 0 ? 1 : 0) }
    for (a, b) in zip(versions, versions.dropFirst()) {
        let ab = sign(DebianVersion.compare(a, b))
        guard ab == -sign(DebianVersion.compare(b, a)) else { violated("compare('\(a)', '\(b)') is not antisymmetric") }
        if ab == 0, a.hashValue != b.hashValue { violated("'\(a)' == '\(b)' but their hashes differ") }
    }
    for index in versions.indices.dropFirst(2) {
        let (a, b, c) = (versions[index - 2], versions[index - 1], versions[index])
        if DebianVersion.compare(a, b) <= 0, DebianVersion.compare(b, c) <= 0, DebianVersion.compare(a, c) > 0 {
            violated("'\(a)' <= '\(b)' <= '\(c)' but '\(a)' > '\(c)'")
        }
    }
}

func checkRelations(_ line: String) {
    if let list = try? RelationList(line) {
        guard let again = try? RelationList(list.description), again == list else {
            violated("relation list '\(line)' does not survive its description '\(list)'")
        }
    }
    if let flat = try? Relation.parseList(line) {
        let description = flat.map(\.description).joined(separator: ", ")
        guard let again = try? Relation.parseList(description), again == flat else {
            violated("flat relation list '\(line)' does not survive its description '\(description)'")
        }
    }
}

func checkInstallRequest(_ line: String) {
    guard let request = try? InstallRequest(line) else { return }
    guard let again = try? InstallRequest(request.description), again == request else {
        violated("install request '\(line)' does not survive its description '\(request)'")
    }
}

/// Years 0000 to 9999: a zone offset can push a parsed date just outside what four digits write.
let writableDates: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

func checkReleaseDate(_ line: String) {
    guard let date = ReleaseDate(line), writableDates.contains(date.secondsSince1970) else { return }
    guard let again = ReleaseDate(date.description), again == date else {
        violated("release date '\(line)' does not survive its description '\(date)'")
    }
}

/// Resolves the first package of a small index, with and without the base set: the resolver
/// must end in a resolution or a typed error whatever the index says.
func resolve(_ index: PackagesIndex) {
    guard let first = index.packages.first, index.packages.count <= 32 else { return }
    let resolver = DependencyResolver(indexes: [index], architecture: first.architecture)
    for includesBase in [false, true] {
        _ = try? resolver.resolve([InstallRequest(name: first.name)], includesBase: includesBase, installsRecommends: true)
    }
}

/// A broken invariant is a finding: report it and abort so libFuzzer saves the input.
func violated(_ message: String) -> Never {
    var line = "fuzz-deb822: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
