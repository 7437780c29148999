/// WebSocket close codes the hub uses, beyond the standard ones.
///
/// Codes 4000–4999 are reserved for applications by RFC 6455.
public enum CloseCode {
    /// 1009: a frame was larger than the configured limit (standard code).
    public static let tooLarge: UInt16 = 1009
    /// 1001: the hub is shutting down (standard "going away"); reconnect and resubscribe with `since`.
    public static let goingAway: UInt16 = 1001
    /// 4001: no valid `hello` within the hello timeout.
    public static let helloTimeout: UInt16 = 4001
    /// 4003: the connection's token was revoked; get a new token.
    public static let tokenRevoked: UInt16 = 4003
    /// 4008: the client did not read its events fast enough; reconnect and resubscribe with `since`.
    public static let slowConsumer: UInt16 = 4008
    /// 4029: the client kept sending after being rate limited.
    public static let flood: UInt16 = 4029
    /// 1011: the hub could not replay history for a subscription (standard "internal error");
    /// reconnect and resubscribe with the same `since`.
    public static let internalError: UInt16 = 1011
}
