import CGMime

/// GMime's process-wide state, set up once.
///
/// `g_mime_init` is not reentrant and must run before any other GMime call; a `static let` is initialised
/// exactly once, under the runtime's own lock, by whichever thread reaches it first. GMime is never shut
/// down: its charset tables live as long as the process.
enum GMime {
    private static let initialised: Bool = {
        g_mime_init()
        return true
    }()

    /// Makes sure GMime is initialised; call before any other GMime function.
    static func ensureInitialised() {
        _ = initialised
    }

    /// A C string GMime owns, as a Swift string (invalid UTF-8 repaired); nil for NULL.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// A C string the caller owns, as a Swift string; the C string is freed with `g_free`.
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { g_free(pointer) }
        return String(cString: pointer)
    }

    /// The bytes of a `GByteArray` the caller owns; the array is freed.
    static func takeBytes(_ array: UnsafeMutablePointer<GByteArray>?) -> [UInt8] {
        guard let array else { return [] }
        defer { g_byte_array_free(array, 1) }
        guard let data = array.pointee.data, array.pointee.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(array.pointee.len)))
    }
}
