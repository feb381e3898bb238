import DenTestSupport
import Foundation
import Testing

/// The offline archive the Debian builder's tests stand on: if it is not a valid, signed,
/// self-consistent apt repository, their failures would say nothing about den.
@Suite struct TestArchiveTests {
    @Test func inReleaseVerifiesWithItsKeyringOnly() throws {
        let archive = try TestArchive.shared()
        let inRelease = "\(archive.root)/debian/dists/\(archive.suite)/InRelease"
        let good = try ProcessRunner.run("/usr/bin/gpgv", ["--keyring", archive.keyring, inRelease])
        #expect(good.status == 0, "\(good)")
        let wrong = try ProcessRunner.run("/usr/bin/gpgv", ["--keyring", archive.wrongKeyring, inRelease])
        #expect(wrong.status != 0, "\(wrong)")
        let release = try String(contentsOfFile: inRelease, encoding: .utf8)
        for line in ["Codename: denbook", "Suite: stable-den", "Version: 99", "Date: Sat, 01 Nov 2025 00:00:00 UTC",
                     "Architectures: amd64", "Components: main"] {
            #expect(release.contains("\n\(line)\n"), "InRelease lacks '\(line)'")
        }
        #expect(release.contains("main/binary-amd64/Packages.xz"))
        // An unprivileged user reads the keyrings and the tree as den will.
        let user = try TestUser.withoutRanges
        let asUser = try user.run("/usr/bin/gpgv", ["--keyring", archive.keyring, inRelease])
        #expect(asUser.status == 0, "\(asUser)")
    }

    @Test func servesBothTreesOverHTTP() throws {
        let archive = try TestArchive.shared()
        let local = try String(contentsOfFile: "\(archive.root)/debian/dists/denbook/InRelease", encoding: .utf8)
        let user = try TestUser.withRanges
        for base in [archive.url, archive.corruptURL] {
            let fetched = try fetch("\(base)/dists/denbook/InRelease", as: user)
            #expect(fetched.status == 0, "\(fetched)")
            #expect(fetched.standardOutput == local)
        }
        let missing = try fetch("\(archive.url)/dists/denbook/nothing", as: user)
        #expect(missing.status != 0 && missing.standardError.contains("404"), "\(missing)")

        // The corrupt tree differs from the good one in den-hello's bytes only, not its size.
        let packages = try String(contentsOfFile: "\(archive.root)/debian/dists/denbook/main/binary-amd64/Packages", encoding: .utf8)
        let hello = try #require(packages.split(separator: "\n\n").first { $0.hasPrefix("Package: den-hello\n") })
        let filename = try #require(hello.split(separator: "\n").first { $0.hasPrefix("Filename: ") }).dropFirst(10)
        let good = try FileManager.default.contents(atPath: "\(archive.root)/debian/\(filename)")
        let bad = try FileManager.default.contents(atPath: "\(archive.root)/corrupt/\(filename)")
        #expect(good != nil && bad != nil && good?.count == bad?.count && good != bad)
    }

    /// apt itself, as root and with a throwaway state, is the oracle: it must trust the
    /// archive, resolve den-hello to den-lib 2.0, and find the whole base installable.
    @Test func aptResolvesTheArchive() throws {
        let archive = try TestArchive.shared()
        let state = NSTemporaryDirectory() + "den-apt-oracle-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        for directory in ["etc/apt/sources.list.d", "etc/apt/preferences.d", "etc/apt/apt.conf.d", "etc/apt/trusted.gpg.d",
                          "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt"] {
            try FileManager.default.createDirectory(atPath: "\(state)/\(directory)", withIntermediateDirectories: true)
        }
        try "deb [signed-by=\(archive.keyring)] \(archive.url) \(archive.suite) main\n"
            .write(toFile: "\(state)/etc/apt/sources.list", atomically: true, encoding: .utf8)
        try "".write(toFile: "\(state)/status", atomically: true, encoding: .utf8)
        let options = [
            "-o", "Dir=\(state)", "-o", "Dir::Etc=\(state)/etc/apt", "-o", "Dir::State=\(state)/var/lib/apt",
            "-o", "Dir::Cache=\(state)/var/cache/apt", "-o", "Dir::State::status=\(state)/status",
            "-o", "Dir::Log=\(state)/var/log/apt", "-o", "APT::Architecture=\(archive.architecture)",
            "-o", "APT::Architectures=\(archive.architecture)", "-o", "Debug::NoLocking=true",
            "-o", "APT::Sandbox::User=root",
        ]
        let update = try ProcessRunner.run("/usr/bin/apt-get", options + ["update"])
        #expect(update.status == 0 && !update.standardOutput.contains("Err:") && !update.standardError.contains("W:"),
                "\(update)")

        let hello = try ProcessRunner.run("/usr/bin/apt-get", options + ["-s", "install", "den-hello"])
        #expect(hello.status == 0, "\(hello)")
        #expect(hello.standardOutput.contains("Inst den-hello (1.0 "))
        #expect(hello.standardOutput.contains("Inst den-lib (2.0 "))
        #expect(!hello.standardOutput.contains("den-lib-compat"))

        // The base den installs (every repacked package, Essential or not, and apt) is
        // complete: apt finds nothing missing with an empty status.
        let base = archive.basePackages + ["apt"]
        for name in ["dpkg", "libc6", "dash", "coreutils", "tar", "diffutils", "findutils", "base-files", "base-passwd"] {
            #expect(base.contains(name), "\(name) is not in the base")
        }
        let install = try ProcessRunner.run("/usr/bin/apt-get", options + ["-s", "install"] + base)
        #expect(install.status == 0, "\(install)")
        for name in base {
            #expect(install.standardOutput.contains("Inst \(name) "), "apt would not install \(name)")
        }
        let broken = try ProcessRunner.run("/usr/bin/apt-get", options + ["-s", "install", "den-broken"])
        #expect(broken.status != 0)
        print("test archive: \(archive.basePackages.count) packages repacked from the host, built in \(archive.buildDuration)")
    }
}

/// GETs `url` as `user` (as den fetches): curl when the host has it, else python3's urllib.
/// Fails (status not 0, the HTTP code on stderr) on an HTTP error.
private func fetch(_ url: String, as user: TestUser) throws -> ProcessResult {
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
        return try user.run("/usr/bin/curl", ["-sS", "--fail-with-body", "-w", "%{stderr}HTTP %{http_code}", url])
    }
    let script = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())"
    return try user.run("/usr/bin/python3", ["-c", script, url])
}
