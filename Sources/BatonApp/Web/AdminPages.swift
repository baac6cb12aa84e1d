import Hummingbird

extension WebRoutes {
    /// `/projects` and the admin pages (`/admin/…`): people and roles, skills, stages,
    /// typical projects, periods and quotas, bonus plans.
    func registerAdminPages(on pages: RouterGroup<BatonRequestContext>) {
    }
}
