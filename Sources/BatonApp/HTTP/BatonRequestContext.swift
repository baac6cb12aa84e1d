import BatonCore
import Hummingbird
import NIOCore

/// The signed-in person making a request.
public struct Caller: Sendable {
    public enum Credential: Sendable, Hashable {
        case session(id: Int64)
        case apiToken(id: Int64)
    }

    public let id: Int64
    public let name: String
    public let email: String
    public let roles: Set<Role>
    public let credential: Credential

    public var isAdmin: Bool { roles.contains(.admin) }
    public func has(_ role: Role) -> Bool { roles.contains(role) }
}

/// Per-request state: Hummingbird's core plus who is calling and from where.
public struct BatonRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    /// The client's address as the socket saw it, for throttling sign-in.
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// The caller, or a 401 when nobody signed in.
    public func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthenticated }
        return caller
    }

    public func requireAdmin() throws -> Caller {
        let caller = try requireCaller()
        guard caller.isAdmin else { throw APIError.forbidden("Only an admin may do this.") }
        return caller
    }
}
