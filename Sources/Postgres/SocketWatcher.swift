import Foundation
import CNIOLinux  // sys/epoll.h, which the Glibc module leaves out
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Wakes the task that waits for a connection's socket to become readable (or
/// writable), so libpq runs in non-blocking mode on the task's own thread instead of
/// a blocked thread per statement.
///
/// One thread of ours runs `epoll_wait` for every connection's socket. NIO has no
/// public way to watch a descriptor it does not own without reading from it (its
/// pipe and socket bootstraps take the descriptor over), and libpq must do the
/// reading. Each wait arms the socket once (`EPOLLONESHOT`); the event resumes the
/// waiting task's continuation, removed from the table under the lock and resumed
/// outside it, so it is resumed exactly once whoever gets there first.
///
/// A task that waited on a NIO event loop (a request served on its connection's loop,
/// `EventLoopTaskExecutor`) is resumed from that loop: resumed from the watcher's thread,
/// it would be enqueued from a thread that is no loop, and land on any.
final class SocketWatcher: Sendable {
    static let shared = SocketWatcher()

    /// One connection's socket, known to the watcher by a number never reused (the
    /// descriptor's number is reused as soon as a connection closes).
    struct Registration: Sendable {
        let socket: Int32
        let id: UInt64
    }

    private let epoll: Int32
    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        /// The event loop the task waited on, if it runs on one.
        let loop: (any EventLoop)?
    }

    private let waiting = Mutex<[UInt64: Waiter]>([:])
    private let lastID = Atomic<UInt64>(0)

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        // Without epoll no query can wait: this fails only when the process is out of
        // descriptors, at the first statement, and there is nothing better to do.
        precondition(epoll >= 0, "epoll_create1 failed: \(errno)")
        let thread = Thread { [self] in run() }
        thread.name = "postgres-socket-watcher"
        thread.start()
    }

    func register(socket: Int32) -> Registration {
        Registration(socket: socket, id: lastID.add(1, ordering: .relaxed).newValue)
    }

    /// Returns when the socket is readable (or, with `writable`, writable), has failed,
    /// or can no longer be watched: the caller's next libpq call tells which. It may
    /// return early, so callers check again in a loop.
    func wait(for registration: Registration, writable: Bool = false) async {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // In the table before the socket is armed: the event may come at once.
            waiting.withLock { $0[registration.id] = Waiter(continuation: continuation, loop: loop) }
            var event = epoll_event()
            event.events = EPOLLIN.rawValue | EPOLLONESHOT.rawValue | (writable ? EPOLLOUT.rawValue : 0)
            event.data.u64 = registration.id
            if epoll_ctl(epoll, EPOLL_CTL_MOD, registration.socket, &event) != 0,
                errno != ENOENT || epoll_ctl(epoll, EPOLL_CTL_ADD, registration.socket, &event) != 0
            {
                wake([registration.id])
            }
        }
    }

    /// Stops watching before the connection's socket is closed, and wakes a task that
    /// still waits on it. A socket libpq closed already left the epoll set by itself,
    /// and its number may be another connection's now: that one is not touched.
    func unregister(_ registration: Registration, stillOpen: Bool) {
        if stillOpen {
            var event = epoll_event()
            _ = epoll_ctl(epoll, EPOLL_CTL_DEL, registration.socket, &event)
        }
        wake([registration.id])
    }

    private func wake(_ ids: some Sequence<UInt64>) {
        let waiters = waiting.withLock { table in ids.compactMap { table.removeValue(forKey: $0) } }
        for waiter in waiters {
            if let loop = waiter.loop {
                loop.execute { waiter.continuation.resume() }
            } else {
                waiter.continuation.resume()
            }
        }
    }

    private func run() {
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        while true {
            let count = epoll_wait(epoll, events, Int32(capacity), -1)
            guard count > 0 else { continue }  // EINTR
            wake((0..<Int(count)).map { events[$0].data.u64 })
        }
    }
}
