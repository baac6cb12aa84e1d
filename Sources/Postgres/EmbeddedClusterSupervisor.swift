import Foundation
import Glibc
import Logging
import NIOPosix
import ServiceLifecycle

/// Keeps the embedded cluster up while Baton serves from it.
///
/// With the embedded default nobody else watches the PostgreSQL server: when its
/// postmaster dies (killed, out of memory) every request gets a 503 and nothing
/// would ever bring it back. This service looks for the postmaster every
/// `pollInterval`; when it has gone it starts the cluster again (which clears the
/// stale `postmaster.pid` and socket lock), retrying with a doubling pause up to
/// `maxBackoff` while the server refuses (its old backends may still hold the
/// shared memory for a moment). The pool reconnects by itself once it is back.
///
/// It also makes Baton the reaper of the servers it starts: a killed postmaster
/// re-parented to a PID 1 that never reaps (as in many containers) would stay a
/// zombie forever.
public struct EmbeddedClusterSupervisor: Service {
    public let cluster: EmbeddedCluster
    public let pollInterval: Duration
    public let initialBackoff: Duration
    public let maxBackoff: Duration
    let logger: Logger

    public init(
        cluster: EmbeddedCluster, pollInterval: Duration = .milliseconds(500), initialBackoff: Duration = .milliseconds(250),
        maxBackoff: Duration = .seconds(8), logger: Logger
    ) {
        self.cluster = cluster
        self.pollInterval = pollInterval
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.logger = logger
    }

    public func run() async throws {
        Self.becomeReaperOfOrphans(logger)
        await cancelWhenGracefulShutdown {
            await supervise()
        }
    }

    private func supervise() async {
        var backoff = initialBackoff
        var downSince: ContinuousClock.Instant?
        let clock = ContinuousClock()
        while !Task.isCancelled {
            Self.reapExitedServers()
            if cluster.isRunning() {
                downSince = nil
                backoff = initialBackoff
                try? await Task.sleep(for: pollInterval)
                continue
            }
            if downSince == nil {
                downSince = clock.now
                logger.error("the embedded PostgreSQL server has stopped; restarting it",
                             metadata: ["data": "\(cluster.dataDirectory.path)"])
            }
            do {
                let cluster = self.cluster
                _ = try await NIOThreadPool.singleton.runIfActive { try cluster.startServer() }
                let took = downSince.map { clock.now - $0 } ?? .zero
                logger.notice("the embedded PostgreSQL server is running again",
                              metadata: ["down_for": "\(took)"])
                downSince = nil
                backoff = initialBackoff
            } catch {
                if Task.isCancelled { return }
                logger.warning("restarting the embedded PostgreSQL server failed; trying again",
                               metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }

    /// PR_SET_CHILD_SUBREAPER: the postmaster (once `pg_ctl` has exited) and its
    /// backends (once the postmaster is gone) come to this process, not to PID 1.
    /// `prctl` is variadic, which Swift does not call, so it is called through a
    /// plain function pointer, as C callers' ABI allows for integer arguments.
    public static func becomeReaperOfOrphans(_ logger: Logger) {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let PR_SET_CHILD_SUBREAPER: Int32 = 36
        if prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            logger.debug("could not become the reaper of orphaned PostgreSQL processes: \(String(cString: strerror(errno)))")
        }
    }

    /// Collects exited PostgreSQL processes that are our children (orphans handed to
    /// us), and only those: every other child is waited for by whoever started it.
    static func reapExitedServers() {
        let me = getpid()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for entry in entries {
            guard let pid = pid_t(entry) else { continue }
            let stat = Subprocess.readText("/proc/\(pid)/stat")
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let name = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, fields[0] == "Z", pid_t(fields[1]) == me, name.hasPrefix("postgres") else { continue }
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
    }
}
