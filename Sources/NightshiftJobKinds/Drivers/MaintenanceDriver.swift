import NightshiftDatabase

/// What the maintenance kinds do differently on each database, one driver per database
/// (``PostgresMaintenance``, ``SQLiteMaintenance``), each kind's SQL in one file per driver:
/// the kinds themselves hold no dialect branch.
protocol MaintenanceDriver: TableCatalogSQL, TimeColumnSQL, ChunkedDeleteSQL, RollupSQL, CounterTableSQL {}

extension SQLConnectionPool {
    /// The maintenance driver for this pool's database.
    var maintenance: any MaintenanceDriver {
        switch dialect.flavor {
        case .postgres: PostgresMaintenance()
        case .sqlite: SQLiteMaintenance()
        }
    }
}
