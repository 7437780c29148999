internal import Crypto
import Foundation
public import SwarmProtocol

/// A token's record, without its secret (which is never stored, only its SHA-256).
public struct TokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    /// The agent id the token authenticates as.
    public var name: String
    public var role: Role
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(id: Int64, name: String, role: Role, createdAt: Timestamp, revokedAt: Timestamp?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Token secrets: how they are made, recognised and hashed, the same for every store.
public enum TokenSecret {
    /// The prefix of every token secret, so a leaked one is easy to recognise and grep for.
    public static let prefix = "swm_"

    /// A new secret: the prefix and 32 random bytes, base64url without padding.
    static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        return prefix
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `secret` can be a token at all; anything else is refused without a lookup.
    static func isWellFormed(_ secret: String) -> Bool {
        secret.hasPrefix(prefix) && secret.utf8.count < 200
    }

    /// The stored form of a secret: its SHA-256, hex.
    ///
    /// Hex by hand: `String(format: "%02x")` per byte was 6 % of the hub's CPU per connection (perf of
    /// the connect scenario), as every sign-in hashes the secret it is given.
    static func hash(_ secret: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        let digest = SHA256.hash(data: Data(secret.utf8))
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { text in
            var index = 0
            for byte in digest {
                text[index] = digits[Int(byte >> 4)]
                text[index + 1] = digits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }

    /// The refusal of a creation when names break ``TokenNaming``'s rules: every problem, nothing created.
    static func namesRefused(_ problems: [String]) -> StoreError {
        let shown = problems.prefix(10).joined(separator: "; ") + (problems.count > 10 ? "; …" : "")
        return StoreError(
            .token, problems.count == 1 ? shown : "\(problems.count) names refused: \(shown); no token was created")
    }

    /// The refusal of a bulk creation when some names already have an active token.
    static func namesTaken(_ taken: [String]) -> StoreError {
        let shown = taken.prefix(10).joined(separator: ", ") + (taken.count > 10 ? ", …" : "")
        return StoreError(
            .token,
            "\(taken.count) name(s) already have an active token: \(shown); no token was created "
                + "(revoke those first, or leave them out of the file)")
    }
}

/// A token as stored, with its hash: what moving a log to another store copies (never a secret).
public struct StoredToken: Sendable, Hashable {
    public var info: TokenInfo
    /// The SHA-256 of the secret, hex.
    public var hash: String

    public init(info: TokenInfo, hash: String) {
        self.info = info
        self.hash = hash
    }
}
