import Foundation
public import SwarmCore

extension Taxonomy {
    /// The taxonomy that ships with the hub (Sources/SwarmHub/Resources/taxonomy.json).
    public static let standard: Taxonomy = {
        guard let url = Bundle.module.url(forResource: "taxonomy", withExtension: "json") else {
            fatalError("the hub's taxonomy.json is missing from its resource bundle; pass --taxonomy FILE")
        }
        do {
            return try Taxonomy(json: try Data(contentsOf: url))
        } catch {
            fatalError("the hub's own taxonomy.json is invalid: \(error)")
        }
    }()

    /// Reads a taxonomy file; the error names the file and what is wrong in it.
    public static func load(path: String) throws(TaxonomyError) -> Taxonomy {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TaxonomyError("cannot read the taxonomy file \(path): \(error.localizedDescription)")
        }
        do {
            return try Taxonomy(json: data)
        } catch {
            throw TaxonomyError("\(path): \(error.message)")
        }
    }
}
