/// Which claims a worker pool makes for `wanted` runs, decided from what it holds: jobs at
/// their own `concurrency` are left out, each limited queue gets a claim for its room, the
/// rest of the queues one claim for what is left, and a job with a per-job limit gets one run
/// per claim so that a batch cannot overshoot it. A pure value: the pool makes the claims it
/// lists, in order, until `wanted` runs came.
struct ClaimPlan: Equatable {
    /// One claim: at most `limit` runs of `queues`.
    struct Claim: Equatable {
        var limit: Int
        var queues: QueueFilter
    }

    /// The jobs that may take another run.
    var eligible: [String]
    /// The claims, limited queues first (by name), the other queues last.
    var claims: [Claim]

    /// The plan for `wanted` runs of `jobs` while the pool holds `held` (executing and buffered);
    /// `queueConcurrency` caps named queues; `oneRunPerClaim` when any job has a per-job limit.
    init(wanted: Int, jobs: [Job], held: [Run], queueConcurrency: [String: Int], oneRunPerClaim: Bool) {
        let busyJobs = Dictionary(grouping: held, by: \.job).mapValues(\.count)
        let busyQueues = Dictionary(grouping: held, by: \.queue).mapValues(\.count)
        eligible = jobs.filter { job in
            guard let limit = job.policies.concurrency else { return true }
            return busyJobs[job.name, default: 0] < limit
        }.map(\.name).sorted()
        guard !eligible.isEmpty, wanted > 0 else {
            claims = []
            return
        }
        var claims: [Claim] = []
        for (queue, limit) in queueConcurrency.sorted(by: { $0.key < $1.key }) {
            let room = min(wanted, limit - busyQueues[queue, default: 0])
            if room > 0 { claims.append(Claim(limit: oneRunPerClaim ? 1 : room, queues: .only([queue]))) }
        }
        claims.append(
            Claim(limit: oneRunPerClaim ? 1 : wanted, queues: .excluding(queueConcurrency.keys.sorted())))
        self.claims = claims
    }
}
