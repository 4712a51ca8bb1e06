import Foundation
import NightshiftTestSupport
import Testing

/// The parts of `swift package dump-package` that say which targets and packages a product reaches.
struct DumpedManifest {
    /// Each product's targets, by product name.
    let products: [String: [String]]
    /// Each target's dependencies as the manifest dump spells them (`byName`, `target` or `product`).
    let targets: [String: [[String: [Any]]]]

    /// This package's manifest, read by `swift package dump-package` in its own scratch folder
    /// (the one `swift test` uses is locked while the tests run).
    static func ofThisPackage(root: URL) async throws -> DumpedManifest {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-manifest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let dump = scratch.appendingPathComponent("package.json")
        let swift = try TestProcess(
            "swift", ["package", "--scratch-path", scratch.appendingPathComponent("build").path, "dump-package"],
            directory: root.path, output: dump.path)
        defer { swift.kill() }
        #expect(try await swift.exitStatus(within: 300) == 0)
        return try DumpedManifest(Data(contentsOf: dump))
    }

    init(_ data: Data) throws {
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let products = try #require(manifest["products"] as? [[String: Any]])
        self.products = Dictionary(
            uniqueKeysWithValues: products.compactMap { product in
                (product["name"] as? String).map { ($0, product["targets"] as? [String] ?? []) }
            })
        let targets = try #require(manifest["targets"] as? [[String: Any]])
        self.targets = Dictionary(
            uniqueKeysWithValues: targets.compactMap { target in
                (target["name"] as? String).map { ($0, target["dependencies"] as? [[String: [Any]]] ?? []) }
            })
    }

    /// The targets reached from `roots` through target dependencies, and the packages of the
    /// products they depend on.
    func dependencies(ofTargets roots: [String]) -> (targets: Set<String>, packages: Set<String>) {
        var reached = Set<String>()
        var packages = Set<String>()
        var waiting = roots
        while let name = waiting.popLast() {
            guard reached.insert(name).inserted else { continue }
            for dependency in targets[name] ?? [] {
                if let product = dependency["product"], product.count > 1, let package = product[1] as? String {
                    packages.insert(package)
                } else if let named = (dependency["byName"] ?? dependency["target"])?.first as? String {
                    waiting.append(named)
                }
            }
        }
        return (reached, packages)
    }
}
