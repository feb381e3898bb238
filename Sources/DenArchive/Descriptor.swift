import Glibc

/// An open file descriptor shared by reference: a directory stays open while anything still
/// resolves below it, and closes itself when the last user lets go.
final class Descriptor {
    let rawValue: Int32
    private let isOwned: Bool

    init(owning rawValue: Int32) {
        self.rawValue = rawValue
        self.isOwned = true
    }

    init(borrowing rawValue: Int32) {
        self.rawValue = rawValue
        self.isOwned = false
    }

    deinit {
        if isOwned { close(rawValue) }
    }
}

/// A NUL-terminated name for the `*at` calls, made once from a Swift string or raw directory bytes.
struct CName {
    private var storage: [CChar]

    init(_ text: String) {
        storage = text.utf8CString.map { $0 }
    }

    init(bytes: [UInt8]) {
        storage = bytes.map { CChar(bitPattern: $0) } + [0]
    }

    func call<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
        storage.withUnsafeBufferPointer { buffer in
            // The storage always holds the terminator, so the empty fallback is never taken.
            guard let base = buffer.baseAddress else { return body("") }
            return body(base)
        }
    }
}
