extension Fetcher {
    /// Runs `attempt` until it succeeds, fails with a non-transient error, or has been retried
    /// `configuration.retries` times.
    func retrying<Value>(_ attempt: () async throws(FetchError) -> Value) async throws(FetchError) -> Value {
        var failures = 0
        while true {
            do throws(FetchError) {
                return try await attempt()
            } catch {
                guard error.isTransient, failures < configuration.retries else { throw error }
                failures += 1
                do {
                    try await Task.sleep(for: retryDelay(afterFailure: failures))
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    /// Exponential backoff with jitter: `retryDelay · 2^(n-1)`, capped, less a random part of
    /// up to a half.
    func retryDelay(afterFailure failure: Int) -> Duration {
        var delay = configuration.retryDelay
        for _ in 1..<min(max(failure, 1), 32) {
            delay *= 2
            if delay >= configuration.maximumRetryDelay { break }
        }
        delay = min(delay, configuration.maximumRetryDelay)
        return delay - delay * Double.random(in: 0...0.5)
    }
}
