import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Postgres
import Prometheus

/// The process's Prometheus registry; Hummingbird's request metrics and the
/// pool's gauges land in it. Bootstrapped once per process.
enum BatonMetrics {
    static let registry = PrometheusCollectorRegistry()

    static let bootstrap: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    static let poolOpen = registry.makeGauge(descriptor: .init(namespace: "baton", subsystem: "db_pool", metricName: "open", unitName: "connections", helpText: "Open database connections"))
    static let poolInUse = registry.makeGauge(descriptor: .init(namespace: "baton", subsystem: "db_pool", metricName: "in_use", unitName: "connections", helpText: "Database connections leased to requests"))
    static let poolWaiting = registry.makeGauge(descriptor: .init(namespace: "baton", subsystem: "db_pool", metricName: "waiting", unitName: "connections", helpText: "Requests waiting for a database connection"))
}

/// `/healthz` (the process answers), `/readyz` (the database answers and its
/// schema is current), `/metrics` and `/openapi.yaml`.
struct OperationsRoutes {
    let services: AppServices

    func register(on router: Router<BatonRequestContext>) {
        router.get("healthz") { _, _ in try APIResponse.json(["status": "ok"]).response }
        router.get("readyz") { _, context in
            do {
                let status = try await services.pool.withConnection { try await services.migrator.status($0) }
                guard status.isCurrent else {
                    throw APIError(.serviceUnavailable, code: "migrations-pending", title: "Not ready",
                                   detail: "\(status.pending.count) database migrations are pending; run baton migrate.")
                }
            } catch let error as APIError {
                throw error
            } catch {
                context.logger.warning("readiness check failed: \(error)")
                throw APIError.unavailable
            }
            return try APIResponse.json(["status": "ready"]).response
        }
        router.get("metrics") { _, _ in
            let stats = await services.pool.statistics()
            BatonMetrics.poolOpen.set(Double(stats.open))
            BatonMetrics.poolInUse.set(Double(stats.inUse))
            BatonMetrics.poolWaiting.set(Double(stats.waiting))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: BatonMetrics.registry.emitToBuffer())))
        }
        router.get("openapi.yaml") { _, _ in
            guard let document = services.openAPIDocument else { throw APIError.notFound("API document") }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }
}
