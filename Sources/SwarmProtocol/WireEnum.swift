/// Decodes a string enum, failing with a message that lists the accepted values.
///
/// The default synthesized error says only "Cannot initialize X from invalid String value";
/// a person typing a command deserves the list of values that would have worked.
func decodeWireEnum<T: RawRepresentable & CaseIterable>(from decoder: any Decoder) throws -> T
where T.RawValue == String {
    let container = try decoder.singleValueContainer()
    let raw = try container.decode(String.self)
    guard let value = T(rawValue: raw) else {
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw DecodingError.dataCorruptedError(
            in: container,
            debugDescription: "'\(raw)' is not one of: \(allowed)"
        )
    }
    return value
}
