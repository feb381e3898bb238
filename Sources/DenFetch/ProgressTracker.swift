import Synchronization

/// Sums the progress of the downloads of one `fetch` call. Reports go out under the lock so
/// that the caller sees them one at a time and in order; byte counts are reported at most
/// every `interval`, file completions always.
final class ProgressTracker: Sendable {
    private struct State {
        var progress: DownloadProgress
        var lastReport: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    private let report: @Sendable (DownloadProgress) -> Void
    private let interval: Duration

    init(_ requests: [DownloadRequest], interval: Duration = .milliseconds(100),
         report: @escaping @Sendable (DownloadProgress) -> Void) {
        var total: Int64? = 0
        for request in requests {
            if let running = total, let size = request.expectedSize { total = running + size } else { total = nil }
        }
        let progress = DownloadProgress(
            completedFiles: 0, totalFiles: requests.count, reusedFiles: 0, receivedBytes: 0, totalBytes: total)
        state = Mutex(State(progress: progress, lastReport: nil))
        self.report = report
        self.interval = interval
    }

    func start() {
        state.withLock { state in
            state.lastReport = .now
            report(state.progress)
        }
    }

    /// `count` may be negative: a retry gives back the bytes of the attempt that failed.
    func received(_ count: Int64) {
        state.withLock { state in
            state.progress.receivedBytes += count
            let now = ContinuousClock.now
            if let last = state.lastReport, now - last < interval { return }
            state.lastReport = now
            report(state.progress)
        }
    }

    func completed(reusedSize: Int64? = nil) {
        state.withLock { state in
            state.progress.completedFiles += 1
            if let reusedSize {
                state.progress.reusedFiles += 1
                state.progress.receivedBytes += reusedSize
            }
            state.lastReport = .now
            report(state.progress)
        }
    }
}
