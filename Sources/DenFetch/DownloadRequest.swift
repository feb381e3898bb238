/// One file to download.
public struct DownloadRequest: Sendable, Hashable {
    /// An absolute http or https URL.
    public var url: String
    /// Where the file ends up. Its directory must exist; the download is written next to it
    /// and renamed into place only once it is complete and verified.
    public var destination: String
    /// The size the index promises; a body of any other size is refused.
    public var expectedSize: Int64?
    /// Lowercase hex SHA-256 the index promises. Without it an existing destination cannot be
    /// trusted and is fetched again.
    public var expectedSHA256: String?
    /// Extra request headers (a registry's `authorization`); an `authorization` is not sent on
    /// to another host when the server redirects there.
    public var headers: [String: String]

    public init(
        url: String, destination: String, expectedSize: Int64? = nil, expectedSHA256: String? = nil,
        headers: [String: String] = [:]
    ) {
        self.url = url
        self.destination = destination
        self.expectedSize = expectedSize
        self.expectedSHA256 = expectedSHA256
        self.headers = headers
    }
}
