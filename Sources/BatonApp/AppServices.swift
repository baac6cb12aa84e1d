import BatonCore
import Logging
import Postgres

/// What every area's routes share: the pool, the stores, the settings.
struct AppServices: Sendable {
    let configuration: AppConfiguration
    let pool: ConnectionPool
    /// Where reports read: a streaming replica when one is configured.
    var reportReader: ReportReader
    let migrator: Migrator
    let users: UserStore
    let sessions: SessionStore
    let throttle: SignInThrottle
    let accounts = AccountStore()
    let contacts = ContactStore()
    let activities = ActivityStore()
    let timeline = TimelineStore()
    let stages = StageStore()
    let opportunities = OpportunityStore()
    let imports = ImportStore(stages: StageStore())
    let catalog = CatalogStore(users: UserStore())
    let proposals = ProposalStore()
    let projects = ProjectStore(users: UserStore())
    let capacity = CapacityStore(catalog: CatalogStore(users: UserStore()))
    let delivery = DeliveryStore()
    let staffing = StaffingStore(delivery: DeliveryStore())
    var quotas: QuotaStore { QuotaStore(calendar: FiscalCalendar(startMonth: configuration.fiscalYearStartMonth)) }
    var bonus: BonusStore { BonusStore(quotas: quotas) }
    var reports: ReportStore { ReportStore(quotas: quotas) }
    let exports = ExportStore()
    let openAPIDocument: String?
    let logger: Logger
}
