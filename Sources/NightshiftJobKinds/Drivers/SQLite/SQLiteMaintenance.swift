/// The maintenance kinds' SQL on SQLite, one file per kind. SQLite has no time type and no
/// time zones: times are ISO text or Unix seconds, and rollups bucket in UTC.
struct SQLiteMaintenance: MaintenanceDriver {}
