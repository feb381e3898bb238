import Testing
@testable import DenSandbox

@Suite struct SubordinateIDTests {
    static let file = """
        # comment
        alice:100000:65536
        1001:300000:10
        bob:200000:65536
        alice:bad:5
        alice:400000:0
        alice:500000:100
        """

    @Test func findsRangesByNameAndByID() {
        #expect(SubordinateIDs.ranges(in: Self.file, userName: "alice", id: 1001) == [
            SubordinateIDRange(start: 100000, count: 65536),
            SubordinateIDRange(start: 300000, count: 10),
            SubordinateIDRange(start: 500000, count: 100),
        ])
        #expect(SubordinateIDs.ranges(in: Self.file, userName: "carol", id: 1002).isEmpty)
    }

    @Test func toleratesIndentationAndCRLFButNotOtherNoise() {
        let file = "\talice:100000:65536\r\n  alice :300000:5\nalice:400000:4294967296\nalice:500000:7"
        #expect(SubordinateIDs.ranges(in: file, userName: "alice", id: 1001) == [
            SubordinateIDRange(start: 100000, count: 65536),
            SubordinateIDRange(start: 500000, count: 7),
        ])
    }
}

@Suite struct IDMapTests {
    @Test func userKeepsTheirOwnIDAndTheRestComesFromTheRange() throws {
        let map = try #require(IDMap.subordinate(id: 1001, ranges: [SubordinateIDRange(start: 100000, count: 65536)]))
        #expect(map.entries == [
            IDMapEntry(inside: 0, outside: 100000, count: 1001),
            IDMapEntry(inside: 1001, outside: 1001, count: 1),
            IDMapEntry(inside: 1002, outside: 101002, count: 64534),
        ])
        #expect(map.hostID(for: 0) == 100000)
        #expect(map.hostID(for: 1001) == 1001)
        #expect(map.hostID(for: 65534) == UInt32(165_534))
        #expect(map.hostID(for: 65536) == nil)
        // As mmdebstrap and `unshare --map-users` lay trees out: i -> start + i, but for the user.
        for inside in [UInt32(0), 42, 1000, 1002, 65534, 65535] {
            #expect(map.hostID(for: inside) == 100000 + inside)
        }
        // Every inside id below 65536 is mapped exactly once, and no host id twice.
        var hostIDs = Set<UInt32>()
        for inside in UInt32(0)..<65536 {
            if let host = map.hostID(for: inside) { hostIDs.insert(host) }
        }
        #expect(hostIDs.count == 65536)
    }

    @Test func spansSeveralRanges() throws {
        let ranges = [SubordinateIDRange(start: 100000, count: 1000), SubordinateIDRange(start: 200000, count: 64000)]
        #expect(IDMap.subordinate(id: 1500, ranges: ranges) == nil, "1000 + 64000 ids are fewer than 65536")
        let enough = ranges + [SubordinateIDRange(start: 300000, count: 536)]
        let map = try #require(IDMap.subordinate(id: 1500, ranges: enough))
        #expect(map.hostID(for: 999) == 100999)
        #expect(map.hostID(for: 1000) == 200000)
        #expect(map.hostID(for: 1500) == 1500)
        #expect(map.hostID(for: 1501) == 200501)
        #expect(map.hostID(for: 65535) == UInt32(300_535))
    }

    @Test func userAboveTheEnvRange() throws {
        let map = try #require(IDMap.subordinate(id: 70000, ranges: [SubordinateIDRange(start: 100000, count: 65536)]))
        #expect(map.entries == [
            IDMapEntry(inside: 0, outside: 100000, count: 65536),
            IDMapEntry(inside: 70000, outside: 70000, count: 1),
        ])
    }

    @Test func tooFewIDsIsNoMap() {
        #expect(IDMap.subordinate(id: 1000, ranges: [SubordinateIDRange(start: 100000, count: 65535)]) == nil)
        #expect(IDMap.subordinate(id: 1000, ranges: []) == nil)
    }

    @Test func singleMapping() {
        #expect(IDMap.single(inside: 0, outside: 1000).entries == [IDMapEntry(inside: 0, outside: 1000, count: 1)])
    }
}
