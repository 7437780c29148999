import Foundation
import NIOCore
import SwarmCore
import SwarmProtocol
import SwarmStore

extension FanOut {
    /// The `event` frame of `record` for `audience`, or `nil` when that audience may not see it
    /// (``Policy/view(of:for:in:)``, decided against the committed `state`). Staff get the shared
    /// encode-once bytes without a look inside; for a requester the event is checked — the decided
    /// value when it travels with its bytes (`event`), decoded from them when it was read back (a
    /// resume) — and a redacted event is encoded for her frame.
    static func frame(
        _ record: some LoggedEvent, event: SwarmEvent? = nil, channel: String, for audience: Audience,
        in state: SwarmState
    ) -> WireFrame? {
        guard !audience.seesEverything else { return frame(record, channel: channel) }
        // An event the log holds always decodes; if one ever did not, sending nothing is the safe side.
        guard let event = event ?? (try? JSONDecoder().decode(SwarmEvent.self, from: Data(record.json.utf8))) else {
            return nil
        }
        switch Policy.view(of: event, for: audience, in: state) {
        case .whole:
            return frame(record, channel: channel)
        case .hidden:
            return nil
        case .redacted(let shown):
            guard let json = try? SwarmJSON.string(shown) else { return nil }
            return frame(EventRecord(seq: record.seq, channels: record.channels, json: json), channel: channel)
        }
    }
}
