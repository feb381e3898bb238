import NIOCore

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? .max : nanoseconds &+ attoseconds / 1_000_000_000)
    }
}
