public import SwarmProtocol

/// Who issues a command: an agent id (the token's name) and the token's role.
public struct Principal: Sendable, Hashable {
    public var id: String
    public var role: Role
    public init(id: String, role: Role) {
        self.id = id
        self.role = role
    }
}
