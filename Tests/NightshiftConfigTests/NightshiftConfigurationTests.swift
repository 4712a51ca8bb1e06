import Foundation
import Nightshift
import NightshiftConfig
import NightshiftJobKinds
import Testing

@Suite struct NightshiftConfigurationTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> NightshiftConfiguration {
        try NightshiftConfiguration.parse(yaml: yaml, file: "nightshift.yml", environment: environment)
    }

    func message(_ yaml: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try parse(yaml, environment: environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("the engine section reads every knob; the environment overrides its times; the defaults hold without it")
    func engineSection() throws {
        let yaml = """
            engine:
              concurrency: 4
              prefetch: 0
              poll_interval: 250ms
              lease: 10s
              shutdown_grace: 2m
            jobs: {}
            """
        let engine = try parse(yaml).engine
        #expect(engine.concurrency == 4 && engine.prefetch == 0 && engine.pollInterval == .milliseconds(250))
        #expect(engine.lease == .seconds(10) && engine.shutdownGrace == .seconds(120))
        let overridden = try parse(yaml, environment: ["NIGHTSHIFT_LEASE_SECONDS": "45"]).engine
        #expect(overridden.lease == .seconds(45) && overridden.concurrency == 4)
        #expect(try parse("jobs: {}\n").engine == EngineSettings())
        var configuration = EngineConfiguration()
        engine.apply(to: &configuration)
        #expect(
            configuration.concurrency == 4 && configuration.leaseDuration == .seconds(10)
                && configuration.heartbeatInterval == .seconds(10) / 3)
        #expect(
            throws: ConfigError(
                file: "nightshift.yml", line: 2, key: "engine.lease", reason: "2d is not from 1s to 1d")
        ) { try parse("engine:\n  lease: 2d\njobs: {}\n") }
    }

    @Test("an http job reads method, url, headers, body template, success and ca; bad values name their key")
    func httpJob() throws {
        let yaml = """
            jobs:
              cleanup-logs:
                kind: http
                method: put
                url: "https://api.example.com/admin/cleanup-logs"
                headers: { Authorization: "Bearer ${API_KEY}" }
                body: { dryRun: "{{dryRun}}", limit: 500, label: "nightly" }
                success: [200-299, 304]
            """
        let job = try #require(try parse(yaml, environment: ["API_KEY": "k"]).jobs.first)
        guard case .http(let http) = job.kind else { throw ConfigError(file: "", line: nil, key: "", reason: "not http") }
        #expect(http.method == "PUT" && http.url == "https://api.example.com/admin/cleanup-logs")
        #expect(http.headers.map(\.name) == ["Authorization"] && http.headers.map(\.value) == ["Bearer k"])
        #expect(http.requestBody?.value == .object(["dryRun": "{{dryRun}}", "limit": 500, "label": "nightly"]))
        #expect(http.success == [200...299, 304...304])
        #expect(job.policies.timeout == .seconds(600), "an http job without a timeout gets ten minutes")
        let timed = try #require(
            try parse("jobs:\n  a: { kind: http, url: \"https://x.example\", timeout: 2h }\n", environment: [:]).jobs.first)
        #expect(timed.policies.timeout == .seconds(7200))
        let windowed = try #require(
            try parse(
                "jobs:\n  a: { kind: http, url: \"https://x.example\", body: { day: \"{{window.from}}\" } }\n", environment: [:]
            )
            .jobs.first)
        #expect(
            !timed.takesWindow && !job.takesWindow && windowed.takesWindow, "an http job reads a window when its body names one")
        #expect(
            message("jobs:\n  a:\n    kind: http\n    url: \"https://x.example\"\n    body: { n: \"{{nope}}\" }\n")?.contains(
                "nightshift.yml:5: jobs.a.body: unknown placeholder {{nope}}") == true)
        #expect(message("jobs:\n  a:\n    kind: http\n    url: \"ftp://x\"\n")?.contains("jobs.a.url") == true)
        #expect(
            message("jobs:\n  a:\n    kind: http\n    url: \"https://x.example\"\n    success: [600]\n")?.contains(
                "jobs.a.success.0") == true)
    }

    @Test("an http job's success_when and connect_timeout: the conventional rule by default, a field and value, or off")
    func httpAnswerRule() throws {
        func http(_ lines: String) throws -> HTTPJob {
            let job = try #require(try parse("jobs:\n  a:\n    kind: http\n    url: \"https://x.example\"\n" + lines).jobs.first)
            guard case .http(let http) = job.kind else { throw ConfigError(file: "", line: nil, key: "", reason: "not http") }
            return http
        }
        #expect(try http("").answerRule == .conventional && http("").connectTimeout == .seconds(10))
        #expect(try http("    success_when: off\n    connect_timeout: 3s\n").answerRule == .off)
        #expect(try http("    connect_timeout: 3s\n").connectTimeout == .seconds(3))
        #expect(
            try http("    success_when: { field: /data/state, equals: done }\n").answerRule
                == .field(try JSONPointer("/data/state"), equals: "done"))
        #expect(
            message("jobs:\n  a:\n    kind: http\n    url: \"https://x.example\"\n    success_when: { field: data }\n")?
                .contains("nightshift.yml:5: jobs.a.success_when.field: 'data' is not a JSON pointer") == true)
        #expect(
            message("jobs:\n  a:\n    kind: http\n    url: \"https://x.example\"\n    success_when: sometimes\n")?
                .contains("'sometimes' is not a rule: success_when takes conventional, off") == true)
    }

    @Test("retries: 3 is an error that shows the mapping it means")
    func retriesAsNumber() {
        #expect(
            message("jobs:\n  a:\n    kind: command\n    command: [\"true\"]\n    retries: 3\n")
                == "nightshift.yml:5: jobs.a.retries: expected a mapping such as { max_attempts: 3, backoff: 30s, max_backoff: 1h } (3 retries after the first attempt: { max_attempts: 4 })"
        )
    }

    @Test("read without its environment, a config's unset variables stand in, and only the values reading them go unchecked")
    func withoutEnvironment() throws {
        let yaml = """
            store: ${DATABASE_URL}
            jobs:
              call:
                kind: http
                url: "${APP_URL}/jobs/run"
                headers: { Authorization: "Bearer ${API_KEY}" }
                schedul: "0 3 * * *"
            """
        #expect(message(yaml)?.contains("environment variable DATABASE_URL is not set") == true)
        do {
            _ = try NightshiftConfiguration.parse(yaml: yaml, file: "nightshift.yml", environment: [:], withoutEnvironment: true)
            Issue.record("the misspelt key was not reported")
        } catch {
            // The store and URL cannot be checked without their variables; the misspelt key still is an error.
            #expect(error.all.count == 1 && error.description.contains("schedul"), "\(error)")
        }
        let fine = try NightshiftConfiguration.parse(
            yaml: yaml.replacingOccurrences(of: "schedul:", with: "schedule:"), file: "nightshift.yml", environment: [:],
            withoutEnvironment: true)
        #expect(fine.unsetVariables == ["API_KEY", "APP_URL", "DATABASE_URL"] && fine.jobs.count == 1)
    }

    @Test("the logging section reads format and level; anything else is an error naming the key")
    func loggingSection() throws {
        let logging = try parse("logging: { format: json, level: notice }\njobs: {}\n").logging
        #expect(logging.format == .json && logging.level == .notice)
        #expect(try parse("jobs: {}\n").logging == LoggingSettings())
        #expect(
            message("logging:\n  format: yaml\njobs: {}\n")
                == "nightshift.yml:2: logging.format: 'yaml' is not one of text, json")
        #expect(message("logging:\n  colour: true\njobs: {}\n")?.contains("logging.colour") == true)
    }

    @Test("password_file: keeps a database password out of the config, for the store and each database")
    func passwordFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = folder.appendingPathComponent("db-password").path
        try "p@ss/w:rd\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let config = try parse(
            """
            store: { url: "postgres://app@db.example.com/app?sslmode=require", password_file: "\(secret)" }
            databases:
              app: { url: "postgres://reporter@db.example.com/app", password_file: "\(secret)" }
              plain: "sqlite:./app.db"
            jobs: {}
            """)
        let store = try #require(URLComponents(string: config.store))
        #expect(store.password == "p@ss/w:rd" && store.user == "app" && store.query == "sslmode=require")
        #expect(URLComponents(string: config.databases["app"] ?? "")?.password == "p@ss/w:rd")
        #expect(config.databases["plain"] == "sqlite:./app.db")
        #expect(
            throws: ConfigError(
                file: "nightshift.yml", line: 1, key: "store.password_file",
                reason: "cannot read the password file '/nonexistent'")
        ) { try parse("store: { url: \"postgres://app@db/app\", password_file: /nonexistent }\njobs: {}\n") }
        #expect(
            throws: ConfigError(
                file: "nightshift.yml", line: 1, key: "store.password_file",
                reason: "the URL has a password already; give one or the other")
        ) { try parse("store: { url: \"postgres://app:x@db/app\", password_file: \"\(secret)\" }\njobs: {}\n") }
    }

    @Test("a full job reads with its policies, time zone and env interpolation")
    func reads() throws {
        let config = try parse(
            """
            store: ${STORE}
            databases: { app: "sqlite:./app.db" }
            jobs:
              cleanup-logs:
                kind: sql
                schedule: "0 3 * * *"
                timezone: Europe/Berlin
                database: app
                sql: "DELETE FROM logs"
                timeout: 10m
                retries: { max_attempts: 3, backoff: 30s }
                overlap: allow
                catch_up: all
                starting_deadline: 2h
              report:
                kind: command
                command: [/bin/echo, hi]
                enabled: false
            """, environment: ["STORE": "postgres://nightshift@127.0.0.1/app"])
        #expect(config.store == "postgres://nightshift@127.0.0.1/app")
        let cleanup = config.jobs[0]
        #expect(cleanup.name == "cleanup-logs" && cleanup.schedule?.timeZone.ianaName == "Europe/Berlin")
        #expect(cleanup.policies.timeout == .seconds(600) && cleanup.policies.retry.maxAttempts == 3)
        #expect(
            cleanup.policies.overlap == .allow && cleanup.policies.catchUp == .all
                && cleanup.policies.startingDeadline == .seconds(7200))
        #expect(config.jobs[1].enabled == false && config.jobs[1].schedule == nil)
    }

    @Test("purge with several tables takes the job's values as defaults; expire reads its keys")
    func maintenanceKinds() throws {
        let config = try parse(
            """
            databases: { app: "sqlite:./app.db" }
            jobs:
              purge:
                kind: purge
                database: app
                timestamp_column: created_at
                older_than: 90d
                archive: /var/archive
                tables:
                  - { table: api_events }
                  - { table: public.api_events_rollup_hourly, timestamp_column: bucket_start, older_than: 365d, batch_size: 500 }
              sessions:
                kind: expire
                database: app
                table: sessions
                expires_at_column: expires_at
                where: "kind <> 'pinned'"
            """)
        guard case .purge(let purge) = config.jobs[0].kind, case .expire(let expire) = config.jobs[1].kind else {
            Issue.record("unexpected kinds")
            return
        }
        #expect(purge.targets.map(\.table.text) == ["api_events", "public.api_events_rollup_hourly"])
        #expect(purge.targets.map(\.timestampColumn) == ["created_at", "bucket_start"])
        #expect(purge.targets.map(\.olderThan) == [.seconds(90 * 86_400), .seconds(365 * 86_400)])
        #expect(purge.targets.map(\.batchSize) == [10_000, 500])
        #expect(purge.archiveFolder == "/var/archive")
        #expect(expire.table.text == "sessions" && expire.expiresAtColumn == "expires_at" && expire.filter == "kind <> 'pinned'")
    }

    @Test("counter-flush reads its key layout, columns, total and Redis server")
    func counterFlush() throws {
        let config = try parse(
            """
            databases: { app: "sqlite:./app.db" }
            redis: { usage: "redis://127.0.0.1:6379/0" }
            jobs:
              flush-usage:
                kind: counter-flush
                redis: usage
                keys: "usage:{tenant}:{date}:{metric}"
                database: app
                table: usage_counters
                columns: { tenant: tenant_id, date: period_start, metric: endpoint, value: call_count }
                total: __total__
            """)
        guard case .counterFlush(let flush) = config.jobs[0].kind else {
            Issue.record("not a counter-flush")
            return
        }
        #expect(
            flush.pattern.fields == ["tenant", "date", "metric"] && flush.values == [CounterValue(column: "call_count")]
                && flush.totalMarker == "__total__")
        #expect(flush.columns == ["tenant": "tenant_id", "date": "period_start", "metric": "endpoint"])
        let unknown = message(
            "databases: { app: \"sqlite:a.db\" }\njobs:\n  f:\n    kind: counter-flush\n    redis: cache\n    keys: \"k:{a}\"\n    database: app\n    table: t\n"
        )
        #expect(unknown?.hasPrefix("nightshift.yml:5: jobs.f.redis: no Redis server named 'cache'") == true, "\(unknown ?? "")")
        let badPattern = message(
            "redis: { r: \"redis://x\" }\ndatabases: { app: \"sqlite:a.db\" }\njobs:\n  f:\n    kind: counter-flush\n    redis: r\n    keys: \"k:{a}{b}\"\n    database: app\n    table: t\n"
        )
        #expect(
            badPattern?.hasPrefix("nightshift.yml:7: jobs.f.keys: fields must be separated by text") == true,
            "\(badPattern ?? "")")
    }

    @Test("counter-flush reads several number columns from hash fields; a value without the counter's name is an error")
    func counterFlushValues() throws {
        let head =
            "redis: { r: \"redis://x\" }\ndatabases: { app: \"sqlite:a.db\" }\njobs:\n  f:\n    kind: counter-flush\n    redis: r\n    keys: \"usage:{tenant}:{date}\"\n    database: app\n    table: t\n"
        let config = try parse(
            head + "    hash_field: metric\n    values: { call_count: \"{metric}\", total_weight: \"{metric}:weight\" }\n")
        guard case .counterFlush(let flush) = config.jobs[0].kind else {
            Issue.record("not a counter-flush")
            return
        }
        #expect(flush.values.map(\.column) == ["call_count", "total_weight"])
        #expect(flush.values[1].hashField(of: "GET_/usage") == "GET_/usage:weight")
        let noPlaceholder = message(head + "    hash_field: metric\n    values: { calls: \"{endpoint}\" }\n")
        #expect(
            noPlaceholder?.hasPrefix(
                "nightshift.yml:11: jobs.f.values.calls: a value's hash fields must name the counter as {metric}, once")
                == true, "\(noPlaceholder ?? "")")
        let noHash = message(head + "    values: { calls: \"{metric}\" }\n")
        #expect(noHash?.hasPrefix("nightshift.yml:10: jobs.f.values: 'values' needs 'hash_field'") == true, "\(noHash ?? "")")
        let both = message(
            head + "    hash_field: metric\n    columns: { value: n }\n    values: { calls: \"{metric}\" }\n")
        #expect(both?.contains("either as 'values' or as 'columns.value'") == true, "\(both ?? "")")
    }

    @Test("rollup reads its measures, granularities and the job's time zone")
    func rollup() throws {
        let config = try parse(
            """
            databases: { app: "sqlite:./app.db" }
            jobs:
              rollup-analytics:
                kind: rollup
                schedule: "5 * * * *"
                timezone: Europe/Berlin
                database: app
                source: api_events
                timestamp_column: created_at
                group_by: [tenant_id]
                granularities: [hour, daily, month]
                target: api_events_rollup
                late_data: 2h
                measures:
                  total_count: count
                  success_count: { count_if: "status < 400" }
                  unique_users: { count_distinct: user_id }
                  bytes: { sum: bytes }
            """)
        guard case .rollup(let rollup) = config.jobs[0].kind else {
            Issue.record("not a rollup")
            return
        }
        #expect(rollup.granularities == [.hour, .day, .month])
        #expect(
            rollup.measures == [
                RollupMeasure(name: "total_count", aggregate: .count),
                RollupMeasure(name: "success_count", aggregate: .countIf("status < 400")),
                RollupMeasure(name: "unique_users", aggregate: .countDistinct("user_id")),
                RollupMeasure(name: "bytes", aggregate: .sum("bytes")),
            ])
        #expect(
            rollup.lateData == .seconds(7200) && rollup.timeZone.identifier == "Europe/Berlin"
                && rollup.table(.hour).text == "api_events_rollup_hourly")
        let bad = message(
            "databases: { app: \"sqlite:a.db\" }\njobs:\n  r:\n    kind: rollup\n    database: app\n    source: e\n    timestamp_column: t\n    target: r\n    measures:\n      n: { average: x }\n"
        )
        #expect(bad?.hasPrefix("nightshift.yml:10: jobs.r.measures.n: 'average' is not a measure") == true, "\(bad ?? "")")
    }

    @Test("queues, their limits and history retention, global and per job")
    func queuesAndHistory() throws {
        let config = try parse(
            """
            history: { keep: 7d }
            queues:
              reports: { concurrency: 2 }
            jobs:
              report:
                kind: command
                command: [true]
                queue: reports
                history: { keep: 1d, keep_failed: 30d }
            """)
        #expect(config.history == HistoryRetention.Rule(keep: .seconds(7 * 86_400), keepFailed: .seconds(90 * 86_400)))
        #expect(config.queues == ["reports": 2])
        #expect(config.jobs[0].policies.queue == "reports")
        #expect(
            config.jobs[0].policies.history == HistoryRetention.Rule(keep: .seconds(86_400), keepFailed: .seconds(30 * 86_400)))
    }

    @Test("the store falls back to NIGHTSHIFT_STORE, then SQLite; NIGHTSHIFT_ENABLED=false stops scheduling")
    func storeDefaults() throws {
        let yaml = "jobs: {}"
        #expect(try parse(yaml).store == "sqlite:./nightshift.db")
        #expect(try parse(yaml, environment: ["NIGHTSHIFT_STORE": "sqlite:/tmp/x.db"]).store == "sqlite:/tmp/x.db")
        #expect(try parse(yaml, environment: ["NIGHTSHIFT_ENABLED": "false"]).schedulingEnabled == false)
    }

    @Test(
        "errors name the file, the line and the key",
        arguments: [
            (
                "jobs:\n  a:\n    kind: command\n    command: [x]\n    schedule: \"61 * * * *\"\n",
                "nightshift.yml:5: jobs.a.schedule: minute field: 61 is out of range 0-59"
            ),
            (
                "jobs:\n  a:\n    kind: command\n    command: [x]\n    timout: 5m\n",
                "nightshift.yml:5: jobs.a.timout: unknown key; expected one of alert_after_failures, catch_up, command, concurrency, description, enabled, env, expect_success_within, history, inherit_env, kind, overlap, queue, retries, schedule, starting_deadline, timeout, timezone, working_dir"
            ),
            (
                "jobs:\n  a:\n    kind: sql\n    database: app\n    sql: SELECT 1\n",
                "nightshift.yml:4: jobs.a.database: no database named 'app' under databases: (known: none)"
            ),
            (
                "jobs:\n  a:\n    kind: command\n    command: [x]\n    timeout: soon\n",
                "nightshift.yml:5: jobs.a.timeout: 'soon' is not a duration; write a number with a unit, such as 500ms, 30s, 10m, 2h, 90d, 12mo or 1h30m"
            ),
            (
                "store: ${MISSING}\njobs: {}\n",
                "nightshift.yml:1: store: environment variable MISSING is not set (write ${MISSING:-default} for a default)"
            ),
            (
                "jobs:\n  a:\n    kind: command\n    command: [x]\n    overlap: sometimes\n",
                "nightshift.yml:5: jobs.a.overlap: 'sometimes' is not one of forbid, allow, replace"
            ),
            ("jobs:\n  a: [\n", "nightshift.yml:3: not valid YAML"),
            (
                "alerts:\n  channels:\n    ops: { kind: email, url: \"https://x\" }\njobs: {}\n",
                "nightshift.yml:3: alerts.channels.ops.kind: unknown channel kind 'email'; use webhook, slack or command"
            ),
            (
                "alerts:\n  channels:\n    ops: { kind: webhook, url: \"hooks.example.com\" }\njobs: {}\n",
                "nightshift.yml:3: alerts.channels.ops.url: 'hooks.example.com' is not an http:// or https:// URL with a host"
            ),
            (
                "alerts:\n  channels:\n    ops: { kind: slack, url: \"https://x\" }\n  routes:\n    - { events: [failing], channels: [pager] }\njobs: {}\n",
                "nightshift.yml:5: alerts.routes.0.channels.0: no channel named 'pager' in 'alerts.channels' (ops)"
            ),
            (
                "alerts:\n  channels:\n    ops: { kind: slack, url: \"https://x\" }\n  routes:\n    - { events: [failure], channels: [ops] }\njobs: {}\n",
                "nightshift.yml:5: alerts.routes.0.events.0: 'failure' is not one of failing, stuck, dead, overdue, missed, no_leader, backlog"
            ),
            (
                "databases: { app: \"sqlite:a.db\" }\njobs:\n  a:\n    kind: purge\n    database: app\n    table: \"events; drop\"\n    timestamp_column: t\n    older_than: 1d\n",
                "nightshift.yml:6: jobs.a.table: 'events; drop' is not a valid table or column name"
            ),
            (
                "databases: { app: \"sqlite:a.db\" }\njobs:\n  a:\n    kind: purge\n    database: app\n    table: events\n    older_than: 1d\n",
                "nightshift.yml:4: jobs.a: a purge needs 'timestamp_column'"
            ),
        ])
    func errors(yaml: String, expected: String) {
        let actual = message(yaml) ?? "no error"
        #expect(actual.hasPrefix(expected), "\(actual)")
    }
}

@Suite struct ServerSettingsTests {
    @Test("tokens are read from the environment; a missing variable names its config line")
    func tokens() throws {
        let yaml = """
            server:
              port: 9090
              wait_timeout: 5s
              tokens:
                - { name: ops, role: admin, env: OPS_TOKEN }
                - { name: cron, role: trigger, env: CRON_SECRET }
            jobs: {}
            """
        let config = try NightshiftConfiguration.parse(yaml: yaml, file: "n.yml", environment: [:])
        #expect(config.server.port == 9090 && config.server.waitTimeout == .seconds(5))
        let resolved = try config.server.resolveTokens(environment: [
            "OPS_TOKEN": "ops-token-0123456789", "CRON_SECRET": "cron-secret-0123456789",
        ])
        #expect(resolved.map(\.setting.name) == ["ops", "cron"] && resolved.map(\.setting.role) == [.admin, .trigger])
        #expect(
            resolved.map(\.secret) == ["ops-token-0123456789", "cron-secret-0123456789"]
                && resolved.allSatisfy { $0.setting.jobs == nil && !$0.setting.allowGet })
        let scoped = try NightshiftConfiguration.parse(
            yaml: """
                server:
                  tokens:
                    - { name: cron, role: trigger, env: CRON_SECRET, jobs: [daily], allow_get: true }
                jobs:
                  daily: { kind: command, command: ["true"] }
                """, file: "n.yml", environment: [:])
        #expect(scoped.server.tokens.first?.jobs == ["daily"] && scoped.server.tokens.first?.allowGet == true)
        #expect {
            try NightshiftConfiguration.parse(
                yaml: "server:\n  tokens: [{ name: cron, role: trigger, env: X, jobs: [nightly] }]\njobs: {}\n", file: "n.yml",
                environment: [:])
        } throws: { error in
            "\(error)" == "n.yml:2: server.tokens.cron.jobs: no job named 'nightly' in the config"
        }
        #expect(throws: ConfigError.self) { try config.server.resolveTokens(environment: ["OPS_TOKEN": "ops-token-0123456789"]) }
        #expect {
            try config.server.resolveTokens(environment: ["OPS_TOKEN": "a", "CRON_SECRET": "cron-secret-0123456789"])
        } throws: { error in
            "\(error)"
                == "n.yml:5: server.tokens.ops.env: the token of 'ops' in OPS_TOKEN is too short (1 of at least 16 characters); use a random one, for example the output of `openssl rand -hex 24`"
        }
        do {
            _ = try config.server.resolveTokens(environment: ["OPS_TOKEN": "ops-token-0123456789"])
        } catch {
            #expect(
                error.description
                    == "n.yml:6: server.tokens.cron.env: environment variable CRON_SECRET is not set; it holds the token of 'cron'"
            )
        }
    }

    @Test("a token with an unknown role is a config error")
    func badRole() {
        let yaml = "server:\n  tokens:\n    - { name: x, role: staff, env: X }\njobs: {}\n"
        #expect(
            throws: ConfigError(
                file: "n.yml", line: 3, key: "server.tokens.0.role", reason: "'staff' is not one of admin, viewer, trigger")
        ) {
            try NightshiftConfiguration.parse(yaml: yaml, file: "n.yml", environment: [:])
        }
    }
}
