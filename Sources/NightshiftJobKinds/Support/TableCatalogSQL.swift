import SQLKit

/// One column of a table, as the database's catalog describes it.
struct CatalogColumn: Sendable {
    let name: String
    /// The declared type, as the database spells it.
    let type: String
    /// Whether the column is part of the primary key.
    let isKey: Bool
}

/// How a driver reads a table's schema from its catalog (``TableSchema``).
protocol TableCatalogSQL: Sendable {
    /// The columns of `table` in table order; empty when there is no such table.
    func columns(of table: SQLName, on db: any SQLDatabase) async throws -> [CatalogColumn]
    /// The columns that lead an index of `table` without a predicate (empty where not known).
    func indexLeaders(of table: SQLName, on db: any SQLDatabase) async throws -> Set<String>
}
