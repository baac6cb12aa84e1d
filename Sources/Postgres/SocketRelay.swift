import CNIOLinux
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// libpq's socket, relayed through one NIO event loop, so that a database answer wakes
/// the loop whose request waits for it and no thread of ours in between: a read makes
/// two context switches instead of three (issue 21; `SocketWatcher` is the other way).
///
/// NIO cannot watch a descriptor without reading it, and libpq must read its socket
/// itself. So once a connection is set up and idle, the relay gives libpq one end of a
/// socket pair in its socket's place (`dup2` onto libpq's descriptor number), and two
/// channels on one event loop copy bytes between the server's socket and the pair's
/// other end. libpq cannot tell: its reads, writes and polls, its blocking mode (a COPY
/// on a thread of the pool) and TLS work on the pair as on the server's socket, since
/// the relay copies bytes it never reads.
///
/// A task waits (`wait`) until libpq's end has something to read (or room to write).
/// The server's bytes are written into the pair by the relay itself, not queued in a
/// channel, so that it knows when they land and wakes the task then: what does not fit
/// waits in the relay, and the server's channel stops reading until the waiting task
/// (which has emptied libpq's end) writes the rest itself. libpq's bytes go to the
/// server through NIO, which queues what the server is slow to take; libpq's end stops
/// being read meanwhile. Either side closing closes the other once what was passed on is
/// written: a server that dies reads to libpq as its socket closing, and libpq's PQfinish
/// closes the server's socket.
final class SocketRelay: Sendable {
    /// libpq's descriptor number, which is now the pair's end.
    let socket: Int32
    /// The loop both channels run on; a task waiting on it is woken without a hop.
    let loop: any EventLoop
    private let server: any Channel
    private let libpqSide: any Channel

    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let loop: (any EventLoop)?
    }

    private struct State {
        var waiter: Waiter?
        /// The pair's other end, written by hand; -1 once it is closed.
        var relayEnd: Int32
        /// The server's bytes libpq's end had no room for yet.
        var unsent: ByteBuffer?
        /// The server closed: libpq's end closes once `unsent` is written.
        var serverClosed = false
    }

    private let state: Mutex<State>

    private init(socket: Int32, loop: any EventLoop, server: any Channel, libpqSide: any Channel, relayEnd: Int32) {
        self.socket = socket
        self.loop = loop
        self.server = server
        self.libpqSide = libpqSide
        self.state = Mutex(State(relayEnd: relayEnd))
    }

    struct SetupFailed: Error {
        let step: String
        let errno: Int32
    }

    /// Puts the relay between libpq's `socket` and the server, on `loop`. The socket
    /// must be idle (nothing sent that is not answered). On a throw, libpq's socket is
    /// as it was, or (when the very last step failed) reads as closed.
    static func install(socket: Int32, on loop: any EventLoop) async throws -> SocketRelay {
        let serverEnd = fcntl(socket, F_DUPFD_CLOEXEC, 0)
        guard serverEnd >= 0 else { throw SetupFailed(step: "dup", errno: errno) }
        var pair: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pair) == 0 else {
            let failure = SetupFailed(step: "socketpair", errno: errno)
            Glibc.close(serverEnd)
            throw failure
        }
        let (libpqEnd, relayEnd) = (pair[0], pair[1])

        // Both channels exist, reading nothing yet, before libpq's socket is swapped: a
        // failure up to here leaves libpq as it was.
        let server: any Channel
        let libpqSide: any Channel
        do {
            server = try await idleChannel(serverEnd, on: loop)
        } catch {
            Glibc.close(relayEnd)
            Glibc.close(libpqEnd)
            throw error
        }
        do {
            libpqSide = try await idleChannel(relayEnd, on: loop)
        } catch {
            try? await server.close()
            Glibc.close(libpqEnd)
            throw error
        }
        // dup2 clears close-on-exec on the copy; it is set again at once.
        guard dup2(libpqEnd, socket) >= 0, fcntl(socket, F_SETFD, FD_CLOEXEC) == 0 else {
            let failure = SetupFailed(step: "dup2", errno: errno)
            try? await server.close()
            try? await libpqSide.close()
            Glibc.close(libpqEnd)
            throw failure
        }
        Glibc.close(libpqEnd)

        let relay = SocketRelay(socket: socket, loop: loop, server: server, libpqSide: libpqSide, relayEnd: relayEnd)
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            do {
                try server.pipeline.syncOperations.addHandler(ServerSide(relay: relay, libpqSide: libpqSide))
                try libpqSide.pipeline.syncOperations.addHandler(LibpqSide(relay: relay, server: server))
            } catch {
                // libpq's socket is the pair's end already: closing both makes it read as
                // closed, and the connection reports itself broken.
                server.close(promise: nil)
                libpqSide.close(promise: nil)
                return loop.makeFailedFuture(error)
            }
            return server.setOption(ChannelOptions.autoRead, value: true).and(
                libpqSide.setOption(ChannelOptions.autoRead, value: true)
            ).map { _ in }
        }.get()
        return relay
    }

    /// A channel over `descriptor` that reads nothing until told to.
    private static func idleChannel(_ descriptor: Int32, on loop: any EventLoop) async throws -> any Channel {
        try await ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.autoRead, value: false)
            .withConnectedSocket(descriptor)
            .get()
    }

    /// Returns when libpq's end is readable (or, with `writable`, writable), has failed,
    /// or has closed: the caller's next libpq call tells which. It may return early, so
    /// callers check again in a loop.
    func wait(writable: Bool = false) async {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // The check and the sign-up are one step under the lock, and the relay takes the
            // lock to write the server's bytes: no wake-up falls between them.
            let (ready, then) = state.withLock { state -> (Bool, FollowUp) in
                let (wrote, then) = writeUnsent(&state)
                if wrote || isReady(writable: writable) { return (true, then) }
                state.waiter = Waiter(continuation: continuation, loop: loop)
                return (false, then)
            }
            perform(then)
            if ready { continuation.resume() }
        }
    }

    private func isReady(writable: Bool) -> Bool {
        var fds = pollfd(fd: socket, events: Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0), revents: 0)
        // Ready, hung up, or poll failed: in each case libpq's next call finds out.
        return poll(&fds, 1, 0) != 0
    }

    /// What to do to a channel after a change of state, outside the lock: a channel
    /// on this thread's loop calls back into the relay at once.
    private enum FollowUp {
        case nothing, readTheServerAgain, closeLibpqSide
    }

    private func perform(_ followUp: FollowUp) {
        switch followUp {
        case .nothing: break
        case .readTheServerAgain: server.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        case .closeLibpqSide: libpqSide.close(promise: nil)
        }
    }

    /// Writes what the server sent and libpq's end had no room for, now that libpq has
    /// read (it waits only once its end is empty). `wrote` when it wrote some: there is
    /// something to read. Once all is written, the server's channel reads again (or,
    /// when the server has closed, libpq's end closes).
    private func writeUnsent(_ state: inout State) -> (wrote: Bool, then: FollowUp) {
        guard var unsent = state.unsent else { return (false, .nothing) }
        let before = unsent.readableBytes
        Self.write(&unsent, to: state.relayEnd)
        guard unsent.readableBytes == 0 else {
            state.unsent = unsent
            return (unsent.readableBytes < before, .nothing)
        }
        state.unsent = nil
        guard state.serverClosed else { return (true, .readTheServerAgain) }
        state.relayEnd = -1
        return (true, .closeLibpqSide)
    }

    /// Writes as much of `bytes` as the socket takes without blocking.
    private static func write(_ bytes: inout ByteBuffer, to descriptor: Int32) {
        while bytes.readableBytes > 0, descriptor >= 0 {
            let written = bytes.withUnsafeReadableBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                bytes.moveReaderIndex(forwardBy: written)
            } else if written < 0, errno == EINTR {
                continue
            } else {
                // Full (EAGAIN), or libpq's end closed: what is left waits, or is moot.
                return
            }
        }
    }

    /// The server's bytes, on the loop: into libpq's end, else kept until it has room.
    fileprivate func deliver(_ bytes: ByteBuffer) {
        var bytes = bytes
        let (waiter, full) = state.withLock { state -> (Waiter?, Bool) in
            if state.unsent == nil {
                Self.write(&bytes, to: state.relayEnd)
                if bytes.readableBytes > 0 { state.unsent = bytes }
            } else {
                state.unsent!.writeBuffer(&bytes)
            }
            defer { state.waiter = nil }
            return (state.waiter, state.unsent != nil)
        }
        if full { server.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
        if let waiter { resume(waiter) }
    }

    /// The server closed: libpq's end closes too, after what is left for it.
    fileprivate func serverClosed() {
        let (waiter, then) = state.withLock { state -> (Waiter?, FollowUp) in
            state.serverClosed = true
            defer { state.waiter = nil }
            guard state.unsent == nil else { return (state.waiter, .nothing) }
            state.relayEnd = -1
            return (state.waiter, .closeLibpqSide)
        }
        perform(then)
        if let waiter { resume(waiter) }
    }

    /// libpq's end closed (the connection finished) or failed: nothing more is written to it.
    fileprivate func libpqSideClosed() {
        let waiter = state.withLock { state -> Waiter? in
            state.relayEnd = -1
            state.unsent = nil
            defer { state.waiter = nil }
            return state.waiter
        }
        if let waiter { resume(waiter) }
    }

    /// Wakes the task that waits, if one does (libpq's bytes went on: its end has room).
    fileprivate func wake() {
        guard let waiter = state.withLock({ state in defer { state.waiter = nil }; return state.waiter }) else { return }
        resume(waiter)
    }

    private func resume(_ waiter: Waiter) {
        if let loop = waiter.loop, !loop.inEventLoop {
            loop.execute { waiter.continuation.resume() }
        } else {
            waiter.continuation.resume()
        }
    }

    /// Before libpq closes its end: a task still waiting is woken. The channels close
    /// once libpq's end has (its last message, the goodbye, passed on first).
    func close() { wake() }
}

/// Reads the server's bytes and hands them to the relay, which writes them into libpq's
/// end. When writes to the server back up, libpq's end stops being read until they drain.
private final class ServerSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let relay: SocketRelay
    private let libpqSide: any Channel

    init(relay: SocketRelay, libpqSide: any Channel) {
        self.relay = relay
        self.libpqSide = libpqSide
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        relay.deliver(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.serverClosed()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        libpqSide.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Reads what libpq wrote into its end and sends it to the server; once libpq's end
/// closes, closes the server's socket after what was sent.
private final class LibpqSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let relay: SocketRelay
    private let server: any Channel
    private var lastWrite: EventLoopFuture<Void>?
    private var unflushed = false

    init(relay: SocketRelay, server: any Channel) {
        self.relay = relay
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let written = context.eventLoop.makePromise(of: Void.self)
        server.write(unwrapInboundIn(data), promise: written)
        lastWrite = written.futureResult
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        server.flush()
        relay.wake()
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.libpqSideClosed()
        let server = server
        if unflushed { server.flush() }
        if let lastWrite {
            lastWrite.whenComplete { _ in server.close(promise: nil) }
        } else {
            server.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

