import NIOCore
import NIOPosix

/// Runs a request's task on the event loop that woke it, instead of Swift's
/// cooperative pool.
///
/// Hummingbird starts each connection's task on the global executor: a request read by
/// an event loop hops to a pool thread, and its response hops back to the loop to be
/// written, two wake-ups a request besides the database's (issue 21). With
/// `REQUEST_EXECUTOR=event-loop` (the default), `baton serve` runs the server with this
/// as the preferred executor of every connection's task (child tasks inherit it), so a
/// job enqueued from an event loop (the request's bytes arriving, a response written)
/// runs on that same loop, and the socket watcher hands a database answer back to the
/// loop the task waited on (`SocketWatcher.wait`). A job enqueued from elsewhere (a
/// timer, a thread pool finishing bcrypt) goes to the next loop.
///
/// Installing NIO's loops as Swift's global executor does the same for every task, but
/// lands half the watcher's wake-ups on the wrong loop (docs/performance.md, "NIO's event
/// loops as Swift's global executor"); a task executor keeps the choice here.
///
/// What runs on a loop holds up that loop's other connections while it runs, as on a
/// pool thread it holds up that thread's: nothing on a request path blocks (connecting,
/// COPY and bcrypt run on thread pools of their own).
///
/// Measured on the release build (docs/performance.md, "A read's own CPU, and the request
/// on its event loop by default"): a read makes 3.1 context switches instead of 4.9 and
/// serves a tenth more reads a second, and pages cost 0.96 of the pool's CPU.
final class EventLoopTaskExecutor: TaskExecutor {
    /// One for the process: a job keeps only an unowned reference to its executor.
    static let shared = EventLoopTaskExecutor(group: .singleton)

    private let group: MultiThreadedEventLoopGroup

    private init(group: MultiThreadedEventLoopGroup) {
        self.group = group
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        // Run as this task executor, not as the loop's serial executor: a task that
        // prefers this executor and finds itself elsewhere would be enqueued again.
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
