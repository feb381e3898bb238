/// A snapshot of one `Fetcher.fetch` call.
public struct DownloadProgress: Sendable, Hashable {
    /// Files in place, whether downloaded or found already there.
    public var completedFiles: Int
    public var totalFiles: Int
    /// Of `completedFiles`, those that were already in place with the right hash.
    public var reusedFiles: Int
    /// Bytes accounted for: those received so far plus the sizes of files found in place, so
    /// the figure reaches `totalBytes` when the fetch is done. A retried download gives back
    /// what its failed attempt had counted.
    public var receivedBytes: Int64
    /// The sum of the expected sizes, when every request has one.
    public var totalBytes: Int64?

    public init(completedFiles: Int, totalFiles: Int, reusedFiles: Int, receivedBytes: Int64, totalBytes: Int64?) {
        self.completedFiles = completedFiles
        self.totalFiles = totalFiles
        self.reusedFiles = reusedFiles
        self.receivedBytes = receivedBytes
        self.totalBytes = totalBytes
    }
}
