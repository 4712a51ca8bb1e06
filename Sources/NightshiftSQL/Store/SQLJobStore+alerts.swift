import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
    public func incidents(openOnly: Bool, limit: Int) async throws -> [Incident] {
        try await pool.withDatabase { database in
            let filter: SQLQueryString = openOnly ? "WHERE resolved_at IS NULL" : ""
            return try await database.raw(
                "SELECT * FROM nightshift_incidents \(filter) ORDER BY opened_at DESC, id DESC LIMIT \(bind: limit)"
            ).all().map(Incident.init(row:))
        }
    }

    public func apply(_ changes: [IncidentChange]) async throws -> [IncidentChange] {
        guard !changes.isEmpty else { return [] }
        return try await pool.withTransaction { database in
            var applied: [IncidentChange] = []
            for change in changes where try await self.apply(change, on: database) {
                try await self.insert(change.notifications, on: database)
                applied.append(change)
            }
            return applied
        }
    }

    /// Applies one change; false when it takes no effect (already open, or no longer open).
    private func apply(_ change: IncidentChange, on database: any SQLDatabase) async throws -> Bool {
        let incident = change.incident
        if change.missedFires > 0 {
            // The fires this alert accounts for come off the count; fires counted meanwhile stay.
            try await database.raw(
                """
                UPDATE nightshift_jobs SET missed_fires = CASE WHEN missed_fires > \(bind: change.missedFires)
                        THEN missed_fires - \(bind: change.missedFires) ELSE 0 END,
                    missed_first = CASE WHEN missed_fires > \(bind: change.missedFires) THEN missed_first END,
                    missed_last = CASE WHEN missed_fires > \(bind: change.missedFires) THEN missed_last END,
                    missed_reason = CASE WHEN missed_fires > \(bind: change.missedFires) THEN missed_reason END
                WHERE name = \(bind: incident.subject)
                """
            ).run()
        }
        if let gap = change.leaderGapFrom {
            // Not by equality: a time read back from SQLite's REAL may differ in its last bits. A
            // later gap begins later than this one's end, so it is not cleared.
            try await database.raw(
                "UPDATE nightshift_leases SET gap_from = NULL WHERE gap_from <= \(bind: gap.addingTimeInterval(0.001))"
            ).run()
        }
        switch change.transition {
        case .open:
            // The partial unique index keeps one open incident per subject and condition.
            return try await database.raw(
                """
                INSERT INTO nightshift_incidents (id, subject, condition, opened_at, detail)
                VALUES (\(bind: incident.id.lowercasedText), \(bind: incident.subject), \(bind: incident.condition.rawValue),
                    \(bind: change.at), \(bind: incident.detail.jsonText))
                ON CONFLICT (subject, condition) WHERE resolved_at IS NULL DO NOTHING
                RETURNING id
                """
            ).first() != nil
        case .resolved:
            return try await database.raw(
                """
                UPDATE nightshift_incidents SET resolved_at = \(bind: change.at)
                WHERE id = \(bind: incident.id.lowercasedText) AND resolved_at IS NULL
                RETURNING id
                """
            ).first() != nil
        }
    }

    private func insert(_ notifications: [AlertNotification], on database: any SQLDatabase) async throws {
        for notification in notifications {
            try await database.raw(
                """
                INSERT INTO nightshift_notifications (id, incident_id, channel, payload, created_at, deliver_after)
                VALUES (\(bind: notification.id.lowercasedText), \(bind: notification.incidentID.lowercasedText),
                    \(bind: notification.channel), \(bind: notification.payload), \(bind: notification.createdAt),
                    \(bind: notification.deliverAfter))
                """
            ).run()
        }
    }

    public func dueNotifications(limit: Int) async throws -> [AlertNotification] {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                SELECT * FROM nightshift_notifications
                WHERE delivered_at IS NULL AND failed_at IS NULL AND deliver_after <= \(self.now)
                ORDER BY deliver_after, id LIMIT \(bind: limit)
                """
            ).all().map(AlertNotification.init(row:))
        }
    }

    public func recordDelivery(_ id: UUID, outcome: DeliveryOutcome) async throws {
        let change: SQLQueryString
        switch outcome {
        case .delivered: change = "delivered_at = \(now)"
        case .retry(let at, let error): change = "deliver_after = \(bind: at), last_error = \(bind: error)"
        case .failed(let error): change = "failed_at = \(now), last_error = \(bind: error)"
        }
        try await pool.withDatabase { database in
            try await database.raw(
                "UPDATE nightshift_notifications SET attempts = attempts + 1, \(change) WHERE id = \(bind: id.lowercasedText)"
            ).run()
        }
    }

    public func notifications(of incidentID: UUID) async throws -> [AlertNotification] {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                SELECT * FROM nightshift_notifications WHERE incident_id = \(bind: incidentID.lowercasedText)
                ORDER BY created_at, id
                """
            ).all().map(AlertNotification.init(row:))
        }
    }

    public func lease(_ name: String) async throws -> LeaseState? {
        try await pool.withDatabase { database in
            guard let row = try await database.raw("SELECT * FROM nightshift_leases WHERE name = \(bind: name)").first() else {
                return nil
            }
            return LeaseState(
                holder: try row.decode(column: "holder", as: String.self),
                expiresAt: try row.decode(column: "expires_at", as: Date.self),
                acquiredAt: try row.decode(column: "acquired_at", as: Date?.self),
                gapFrom: try row.decode(column: "gap_from", as: Date?.self))
        }
    }
}

extension Incident {
    /// Builds an incident from a `nightshift_incidents` row.
    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        let conditionText = try row.decode(column: "condition", as: String.self)
        guard let id = UUID(text: idText), let condition = IncidentCondition(rawValue: conditionText) else {
            throw UnreadableColumn(
                column: "condition", reason: "unknown incident '\(conditionText.prefix(40))' (\(idText.prefix(40)))")
        }
        self.init(
            subject: try row.decode(column: "subject", as: String.self), condition: condition, id: id,
            openedAt: try row.decode(column: "opened_at", as: Date.self),
            resolvedAt: try row.decode(column: "resolved_at", as: Date?.self),
            detail: try Run.jsonObject(try row.decode(column: "detail", as: String.self), column: "detail"))
    }
}

extension AlertNotification {
    /// Builds a notification from a `nightshift_notifications` row.
    init(row: any SQLRow) throws {
        func uuid(_ column: String) throws -> UUID {
            let text = try row.decode(column: column, as: String.self)
            guard let id = UUID(text: text) else {
                throw UnreadableColumn(column: column, reason: "'\(text.prefix(40))' is not a UUID")
            }
            return id
        }
        self.init(
            id: try uuid("id"), incidentID: try uuid("incident_id"), channel: try row.decode(column: "channel", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            deliverAfter: try row.decode(column: "deliver_after", as: Date.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            deliveredAt: try row.decode(column: "delivered_at", as: Date?.self),
            failedAt: try row.decode(column: "failed_at", as: Date?.self),
            lastError: try row.decode(column: "last_error", as: String?.self))
    }
}
