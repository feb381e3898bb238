/// `/etc/passwd` and `/etc/group` lines, edited the way `useradd` would, so the user is
/// known inside the env by name, uid and home.
enum AccountDatabase {
    /// `passwd` with a line for the user: an existing line for the same name is replaced,
    /// and when another account already has the uid (an image's "node" user at 1000) the
    /// user's line goes right after root's so lookups by uid find the user first.
    static func passwd(_ text: String, name: String, uid: UInt32, gid: UInt32, home: String, shell: String) -> String {
        let line = "\(name):x:\(uid):\(gid)::\(home):\(shell)"
        return insert(line, into: text, name: name, id: uid, idField: 2)
    }

    static func group(_ text: String, name: String, gid: UInt32) -> String {
        insert("\(name):x:\(gid):", into: text, name: name, id: gid, idField: 2)
    }

    /// True when `text` already has exactly `line`'s account (same name and id).
    static func contains(_ text: String, name: String, id: UInt32) -> Bool {
        lines(text).contains { fields($0).first == Substring(name) && fields($0).dropFirst(2).first == Substring(String(id)) }
    }

    private static func insert(_ line: String, into text: String, name: String, id: UInt32, idField: Int) -> String {
        var lines = lines(text).filter { fields($0).first != Substring(name) }
        let idTaken = lines.contains { fields($0).count > idField && fields($0)[idField] == Substring(String(id)) }
        if idTaken, let root = lines.firstIndex(where: { fields($0).first == "root" }) {
            lines.insert(Substring(line), at: root + 1)
        } else if idTaken {
            lines.insert(Substring(line), at: 0)
        } else {
            lines.append(Substring(line))
        }
        // Line by line, not joined(separator:): see SandboxPlan.join.
        var joined = ""
        for line in lines {
            joined.append(contentsOf: line)
            joined.append("\n")
        }
        return joined
    }

    private static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: true)
    }

    private static func fields(_ line: Substring) -> [Substring] {
        line.split(separator: ":", omittingEmptySubsequences: false)
    }
}
