/// What clamd found in a stream it scanned to its end.
package enum ScanVerdict: Sendable, Hashable {
    /// No signature matched.
    case clean
    /// A signature matched; its name as clamd reports it (`Win.Test.EICAR_HDB-1`; a signature from a
    /// database that is not ClamAV's own ends in `.UNOFFICIAL`).
    case found(signature: String)
}
