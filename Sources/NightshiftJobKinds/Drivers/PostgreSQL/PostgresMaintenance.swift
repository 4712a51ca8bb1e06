/// The maintenance kinds' SQL on PostgreSQL, one file per kind.
struct PostgresMaintenance: MaintenanceDriver {}
