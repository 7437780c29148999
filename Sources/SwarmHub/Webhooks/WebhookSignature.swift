import Crypto

/// A delivery's signature: HMAC-SHA256, keyed with the hook's secret, over `<timestamp>.<body>`, where
/// the timestamp is the `X-Swarm-Timestamp` header (Unix seconds of the try). A receiver that checks
/// the signature knows the body came from the hub; one that also refuses a timestamp more than a few
/// minutes off its clock is safe from a recorded delivery played again (docs/operations.md, "Webhooks").
enum WebhookSignature {
    /// `sha256=<64 lower-case hex digits>`, the `X-Swarm-Signature` header.
    static func sign(_ body: [UInt8], timestamp: Int64, secret: [UInt8]) -> String {
        var code = HMAC<SHA256>(key: SymmetricKey(data: secret))
        code.update(data: Array("\(timestamp).".utf8))
        code.update(data: body)
        let digest = code.finalize()
        let hex = "0123456789abcdef".utf8.map { $0 }
        var text = "sha256="
        text.reserveCapacity(71)
        for byte in digest {
            text.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
            text.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
        }
        return text
    }
}
