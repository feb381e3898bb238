import DenTestSupport
import Foundation
import Testing

/// The helpers later runtime tests stand on: the two kinds of test user and the busybox rootfs.
@Suite struct TestSupportTests {
    @Test func usersHaveTheRangesTheirNameSays() throws {
        let ranged = try TestUser.withRanges
        let flat = try TestUser.withoutRanges
        guard ranged.isDedicated else {
            // Run as an ordinary user: accounts cannot be made, both are the current user.
            #expect(ranged.uid == getuid())
            return
        }
        #expect(ranged.uid != 0 && flat.uid != 0 && ranged.uid != flat.uid)
        let subuid = try String(contentsOfFile: "/etc/subuid", encoding: .utf8)
        let subgid = try String(contentsOfFile: "/etc/subgid", encoding: .utf8)
        for text in [subuid, subgid] {
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("\(ranged.name):") }.map { $0.split(separator: ":")[2] } == ["65536"])
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("\(flat.name):") })
        }
        #expect(ranged.hasSubordinateRanges && !flat.hasSubordinateRanges)
    }

    @Test func busyboxRootfsRunsAShellWithoutTheHost() throws {
        let user = try TestUser.withoutRanges
        let directory = try user.makeTemporaryDirectory("rootfs")
        let root = "\(directory)/root"
        try BusyboxRootfs.make(at: root, owner: user)
        let owner = try FileManager.default.attributesOfItem(atPath: "\(root)/bin/busybox")[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == user.uid)
        // The tree is self-contained: its shell runs with only the tree's own files.
        let result = try user.run("/usr/bin/unshare", ["--user", "--map-root-user", "--", "/usr/sbin/chroot", root, "/bin/sh", "-c", "echo hi from $(cat /etc/os-release | head -1); busybox --list | while read a; do command -v $a; done | wc -l"])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput.contains("hi from NAME=\"den busybox test rootfs\""))
        // Every applet is on the PATH inside.
        let expected = try ProcessRunner.run(BusyboxRootfs.busybox, ["--list"]).standardOutput.split(separator: "\n").count
        #expect(Int(result.standardOutput.split(separator: "\n").last ?? "") == expected)
    }
}
