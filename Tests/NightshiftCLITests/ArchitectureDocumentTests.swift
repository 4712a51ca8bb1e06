import Foundation
import Testing

/// ARCHITECTURE.md is the map a maintainer reads first: every file and folder it names in
/// backticks exists in `Sources` or `Tests`, so a file moved or renamed without the map fails here.
@Suite struct ArchitectureDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every path under `Sources` and `Tests`, relative to the repository, folders ending in `/`.
    static func repositoryPaths() throws -> [String] {
        var paths: [String] = []
        for top in ["Sources", "Tests", "scripts", "deploy", "examples", "docs"] {
            let base = root.appendingPathComponent(top)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isDirectoryKey])
            else { continue }
            for case let url as URL in walker {
                let isFolder = (try url.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true
                let relative = url.path.dropFirst(root.path.count + 1)
                paths.append(String(relative) + (isFolder ? "/" : ""))
            }
        }
        return paths
    }

    @Test("every file and folder ARCHITECTURE.md names exists")
    func namedFilesExist() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        let paths = try Self.repositoryPaths()
        // A name in backticks that ends in a source or script extension, or in `/` (a folder).
        let named = Set(
            document.matches(of: /`([A-Za-z0-9_+.\/-]+(?:\.swift|\.sh|\.py|\.yaml|\.yml|\/))`/).map { String($0.1) })
        #expect(named.count > 20, "the pattern no longer finds the document's names")
        let missing = named.filter { name in
            !paths.contains { $0 == name || $0.hasSuffix("/" + name) }
        }
        #expect(missing.isEmpty, "ARCHITECTURE.md names what does not exist: \(missing.sorted())")
    }

    @Test("no module reaches what its section in ARCHITECTURE.md says it must not import")
    func forbiddenImports() async throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        let manifest = try await DumpedManifest.ofThisPackage(root: Self.root)
        var checked = 0
        for section in document.split(separator: "\n### ").dropFirst() {
            guard let module = section.firstMatch(of: /^`([\w-]+)`/)?.1,
                let rule = section.firstMatch(of: /- \*\*Must not import\*\*: ([^\n]*)/)?.1
            else { continue }
            let forbidden = Set(rule.matches(of: /`([\w-]+)`/).map { String($0.1) })
            let reached = manifest.dependencies(ofTargets: [String(module)])
            let found = forbidden.intersection(reached.targets.union(reached.packages))
            #expect(found.isEmpty, "\(module) reaches \(found.sorted()), which its section forbids")
            checked += 1
        }
        #expect(checked >= 12, "the document's module sections were not found")
    }
}
