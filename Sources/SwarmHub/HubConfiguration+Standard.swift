public import SwarmConfiguration
import SwarmCore

extension HubConfiguration {
    /// The default configuration with the taxonomy that ships with the hub (``Taxonomy/standard``, a
    /// resource of this module, which is why this initialiser lives here and not beside the type).
    public init() {
        self.init(taxonomy: .standard)
    }
}
