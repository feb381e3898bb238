import DenDebian
import Foundation
import Testing

/// apt is the oracle: `apt-get install --simulate` with an empty status file prints an
/// `Inst NAME (VERSION …)` line for each package it would install into an empty root. Both
/// sides read the host's own lists, so the comparison runs offline and unprivileged (no lock,
/// no cache files written). The minbase set is what `mmdebstrap --variant=minbase` installs (96
/// packages on bookworm in the peer baseline, 172 with git, python3 and build-essential).
///
/// Every name and version must match, except where a case names apt's leftovers: apt unmarks a
/// package it chose earlier when a later one conflicts with it, but keeps what that package had
/// pulled in; the resolver starts over instead and keeps nothing of the abandoned branch. The
/// assertion for such a case is that apt's set is exactly the resolver's set for the request
/// plus the leftovers, and that the resolver's own set is a subset of apt's.
@Suite("DependencyResolver against apt")
struct DependencyResolverOracleTests {
    struct Host: Sendable {
        var resolver: DependencyResolver
        /// Every `Priority: required` or `Essential: yes` package, read with plain string
        /// handling, independently of the parsers under test.
        var baseNames: [String]
        var parseTime: Duration
        var indexTime: Duration
    }

    static let aptGet = "/usr/bin/apt-get"

    /// Loaded once for all cases; nil with a reason when the host has no lists or no apt.
    static let host: Result<Host, HostUnavailable> = load()

    struct HostUnavailable: Error, CustomStringConvertible {
        var description: String
    }

    static func load() -> Result<Host, HostUnavailable> {
        guard Tool.isExecutable(aptGet), HostLists.isUsable else {
            return .failure(HostUnavailable(description: "no apt-get or no Packages index under /var/lib/apt/lists (run `apt-get update`)"))
        }
        do {
            let outcome = try Tool.run("/usr/bin/dpkg", ["--print-architecture"])
            let architecture = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // apt would not choose from a NotAutomatic suite (backports) by itself; the resolver
            // has no such notion, so such hosts are not comparable.
            let releases = (try? FileManager.default.contentsOfDirectory(atPath: HostLists.directory)) ?? []
            for name in releases where name.hasSuffix("InRelease") || name.hasSuffix("_Release") {
                let text = (try? String(contentsOfFile: HostLists.directory + "/" + name, encoding: .utf8)) ?? ""
                if text.contains("\nNotAutomatic: yes") {
                    return .failure(HostUnavailable(description: "\(name) is NotAutomatic; apt's candidates would differ by policy"))
                }
            }
            let lists = HostLists.packagesFiles.filter {
                $0.contains("_binary-\(architecture)_Packages") || $0.contains("_binary-all_Packages")
            }
            guard !lists.isEmpty else {
                return .failure(HostUnavailable(description: "no binary-\(architecture) Packages index under /var/lib/apt/lists"))
            }
            let clock = ContinuousClock()
            var parseTime = Duration.zero
            var indexes: [PackagesIndex] = []
            var baseNames = Set<String>()
            for path in lists {
                let bytes = try HostLists.contents(of: path)
                let start = clock.now
                indexes.append(try PackagesIndex(bytes))
                parseTime += clock.now - start
                for paragraph in String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n") {
                    let lines = paragraph.split(separator: "\n")
                    guard lines.contains("Priority: required") || lines.contains("Essential: yes"),
                        let package = lines.first(where: { $0.hasPrefix("Package: ") })
                    else { continue }
                    baseNames.insert(String(package.dropFirst("Package: ".count)))
                }
            }
            let start = clock.now
            // Largest first, as `HostLists` orders them: the main suite before its updates,
            // which is also the order apt's cache meets them.
            let resolver = DependencyResolver(indexes: indexes, architecture: architecture)
            let indexTime = clock.now - start
            return .success(Host(resolver: resolver, baseNames: baseNames.sorted(), parseTime: parseTime, indexTime: indexTime))
        } catch {
            return .failure(HostUnavailable(description: "cannot read the host lists: \(error)"))
        }
    }

    static var skipReason: String? {
        if case .failure(let reason) = host {
            print("skipping the apt comparison: \(reason)")
            return reason.description
        }
        return nil
    }

    /// `name version` for each package apt would install on top of an empty status.
    static func aptInstalls(_ names: [String], recommends: Bool) throws -> Set<String> {
        let outcome = try Tool.run(aptGet, [
            "install", "--simulate", "--quiet", "--assume-yes",
            "-o", "Dir::State::status=/dev/null",
            "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
            "-o", "Debug::NoLocking=1",
            "-o", "APT::Install-Recommends=\(recommends)",
            "-o", "APT::Install-Suggests=false",
        ] + names)
        let output = String(decoding: outcome.output, as: UTF8.self)
        #expect(outcome.status == 0, "apt-get failed: \(outcome.errorOutput)\(output.suffix(2000))")
        var installs = Set<String>()
        for line in output.split(separator: "\n") where line.hasPrefix("Inst ") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[2].hasPrefix("(") else { continue }
            let name = fields[1].split(separator: ":").first.map(String.init) ?? String(fields[1])
            installs.insert("\(name) \(fields[2].dropFirst())")
        }
        return installs
    }

    struct Case: Sendable, CustomStringConvertible {
        var requests: [String]
        var recommends: Bool
        /// Packages apt keeps from a branch it abandoned (see the suite's comment).
        var aptLeftovers: [String] = []
        var description: String { "\(requests) recommends=\(recommends)" }
    }

    @Test(
        .enabled(if: skipReason == nil, "the host has no usable apt lists"),
        arguments: [
            Case(requests: [], recommends: false),
            Case(requests: ["git", "python3", "build-essential"], recommends: false),
            Case(requests: ["git", "python3", "build-essential"], recommends: true),
            // An earlier choice (libreoffice-core-nogui) blocks a later hard dependency.
            Case(requests: ["libreoffice-writer"], recommends: false),
            // An earlier choice (busybox) blocks a later Recommends (busybox-static).
            Case(requests: ["lava-dispatcher"], recommends: true),
            // Many providers of hunspell-dictionary tie; apt's cache order decides.
            Case(requests: ["thunderbird-l10n-hr"], recommends: true),
            // apt first expands libreoffice-core-nogui, whose Recommends reach openjdk-17-jre's
            // `libgtk2.0-0 | libgtk-3-0` before anything has chosen libgtk-3-0; it then swaps
            // nogui for libreoffice-core but keeps libgtk2.0-0. The resolver's restart meets
            // that group after libgtk-3-0 is in.
            Case(requests: ["libreoffice"], recommends: true, aptLeftovers: ["libgtk2.0-0"]),
        ])
    func matchesApt(_ check: Case) throws {
        let host = try Self.host.get()
        let clock = ContinuousClock()
        var resolution = Resolution(entries: [])
        let elapsed = try clock.measure {
            resolution = try host.resolver.resolve(
                check.requests.map { InstallRequest(name: $0) }, installsRecommends: check.recommends)
        }
        let mine = Set(resolution.entries.map { "\($0.package.name) \($0.package.version)" })
        let apt = try Self.aptInstalls(host.baseNames + ["apt"] + check.requests, recommends: check.recommends)
        #expect(!apt.isEmpty)
        #expect(mine.subtracting(apt).sorted() == [], "chosen here, not by apt")
        if check.aptLeftovers.isEmpty {
            #expect(apt.subtracting(mine).sorted() == [], "chosen by apt, not here")
        } else {
            let withLeftovers = try host.resolver.resolve(
                (check.requests + check.aptLeftovers).map { InstallRequest(name: $0) },
                installsRecommends: check.recommends)
            let expected = Set(withLeftovers.entries.map { "\($0.package.name) \($0.package.version)" })
            #expect(apt.subtracting(mine).isEmpty == false, "apt no longer keeps leftovers here; drop them from the case")
            #expect(apt.symmetricDifference(expected).sorted() == [], "apt's set is not the request plus its leftovers")
        }
        let requests = check.requests
        print(
            "resolved \(requests) recommends=\(check.recommends): \(mine.count) packages (apt \(apt.count)) in \(elapsed);"
                + " parse \(host.parseTime), index \(host.indexTime)")
    }

    @Test(.enabled(if: skipReason == nil, "the host has no usable apt lists"))
    func theBaseNamesAreRequiredEssentialAndApt() throws {
        let host = try Self.host.get()
        #expect(host.resolver.baseNames == Set(host.baseNames + ["apt"]).sorted())
    }
}
