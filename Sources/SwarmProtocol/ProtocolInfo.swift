/// Constants of the wire protocol shared by the hub and every client.
public enum ProtocolInfo {
    /// The protocol version spoken by this build (`welcome.protocol`).
    public static let version = 1
    /// The default limit on one inbound frame, in bytes (64 KiB).
    public static let defaultMaxFrameSize = 64 * 1024
    /// The path of the WebSocket endpoint.
    public static let webSocketPath = "/v1/ws"
}
