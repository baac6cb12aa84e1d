import Hummingbird

extension WebRoutes {
    /// The report pages beyond `/reports`: pipeline, sales performance, delivery, growth.
    func registerReportPages(on pages: RouterGroup<BatonRequestContext>) {
    }
}
