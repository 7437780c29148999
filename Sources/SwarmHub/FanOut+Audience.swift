import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore

extension FanOut {
    /// The `event` frame of `stored` for `audience`, or `nil` when that audience may not see it
    /// (``Policy/view(of:for:)-(SwarmEvent,_)``). Staff get the shared encode-once bytes; a
    /// redacted event is encoded for the one frame.
    static func frame(_ stored: StoredEvent, channel: String, for audience: Audience) -> ByteBuffer? {
        switch Policy.view(of: stored.event, for: audience) {
        case .whole:
            return frame(stored, channel: channel)
        case .hidden:
            return nil
        case .redacted(let event):
            // Encoding a value the log already encoded once cannot fail; if it ever did, sending
            // nothing is the safe side.
            guard let json = try? SwarmJSON.string(event) else { return nil }
            var redacted = stored
            redacted.event = event
            redacted.json = json
            return frame(redacted, channel: channel)
        }
    }
}
