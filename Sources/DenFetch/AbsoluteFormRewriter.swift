import NIOCore
import NIOHTTP1

/// Sends a plain-http request to a web proxy the way curl and apt do: `GET http://host/path`
/// on a connection to the proxy. AsyncHTTPClient only knows `CONNECT` tunnels, which squid
/// and apt-cacher-ng refuse by default for port 80, so `Fetcher` addresses such a request to
/// the proxy itself and names the real target in `header`; this handler, placed just above
/// the request encoder, moves that target into the request line.
final class AbsoluteFormRewriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    static let header = "x-den-request-target"

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), let target = head.headers.first(name: Self.header) else {
            context.write(data, promise: promise)
            return
        }
        head.headers.remove(name: Self.header)
        head.uri = target
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    /// The hook AsyncHTTPClient runs on each new HTTP/1 connection once its handlers are in.
    @Sendable static func install(on channel: Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let encoder = try pipeline.handler(type: HTTPRequestEncoder.self)
            try pipeline.addHandler(AbsoluteFormRewriter(), position: .after(encoder))
        }
    }
}
