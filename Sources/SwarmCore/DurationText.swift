/// Durations as people write them in flags and configuration: `500ms`, `90s`, `15m`, `4h`, `2d`.
public enum DurationText {
    /// The duration in milliseconds, or `nil` when the text is not a whole number followed by one
    /// of `ms`, `s`, `m`, `h`, `d`.
    public static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number),
                value >= 0,
                value <= Int64.max / factor
            else { continue }
            return value * factor
        }
        return nil
    }

    /// The shortest exact text for a duration: `15m`, `4h`, `90s`, `1500ms`.
    public static func describe(milliseconds: Int64) -> String {
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds >= factor && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
