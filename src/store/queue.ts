/**
 * A durable job queue on the store: `SELECT … FOR UPDATE SKIP LOCKED` (pg-boss and graphile-worker
 * need Node 22 or do not run on PGlite). Jobs have a kind (`review`; the gate adds `gate-evaluate`,
 * the slash commands `command`, the sticky comment's redraw `comment`) and a key: at most one job per kind and key waits (a newer
 * enqueue merges its payload into the waiting one) and at most one runs, across every process
 * sharing the database — that is what reviews a pull request by one replica at a time.
 *
 * A claimed job holds a lease (`locked_until`); its runner renews it while the job runs. A process
 * that dies leaves a lease that expires, and the job is queued again: jobs survive restarts.
 */
import type { Queryable } from "./store.js";

export type JobKind = "review" | "gate-evaluate" | "command" | "comment";

/**
 * Kinds that never run at the same time for one key, besides jobs of the same kind: the review and
 * the comment job both write a pull request's sticky comment (same key), and one composing from an
 * older stored text while the other writes a newer one would leave the older text on GitHub.
 */
export const EXCLUSIVE_KINDS: readonly JobKind[] = ["review", "comment"];

export interface Job<P = Record<string, unknown>> {
  id: number;
  kind: JobKind;
  key: string;
  installationId: number;
  payload: P;
  /** Attempts started before this one. */
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
}

interface JobRow {
  id: string | number;
  kind: string;
  key: string;
  installation_id: string | number;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  created_at: Date | string;
}

function toJob(row: JobRow): Job {
  return {
    id: Number(row.id),
    kind: row.kind as JobKind,
    key: row.key,
    installationId: Number(row.installation_id),
    payload: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: new Date(row.created_at),
  };
}

export interface EnqueueParams {
  kind: JobKind;
  key: string;
  installationId?: number;
  /** Merged (jsonb `||`) into the payload of a job already waiting for this key. */
  payload: Record<string, unknown>;
  /** Not before this delay; a job already waiting keeps the earlier of both times. */
  delayMs?: number;
  maxAttempts: number;
}

/** Queues a job, or merges it into the one already waiting for its key. */
export async function enqueueJob(db: Queryable, params: EnqueueParams): Promise<{ id: number; merged: boolean }> {
  const rows = await db.query<{ id: string; inserted: boolean }>(
    `INSERT INTO jobs (kind, key, installation_id, payload, run_at, max_attempts)
     VALUES ($1, $2, $3, $4::jsonb, now() + ($5::double precision * interval '1 millisecond'), $6)
     ON CONFLICT (kind, key) WHERE state = 'queued'
     DO UPDATE SET payload = jobs.payload || excluded.payload, run_at = LEAST(jobs.run_at, excluded.run_at), updated_at = now()
     RETURNING id, (xmax = 0) AS inserted`,
    [params.kind, params.key, params.installationId ?? 0, JSON.stringify(params.payload), params.delayMs ?? 0, params.maxAttempts],
  );
  const row = rows[0]!;
  return { id: Number(row.id), merged: !row.inserted };
}

/**
 * Queues several jobs in one statement, exactly as enqueueJob one after the other would: jobs of
 * one kind and key in the list become one (payloads merged in order, the earliest run time, the
 * first one's installation and attempts), then merge into the job already waiting for the key.
 */
export async function enqueueJobs(db: Queryable, jobs: readonly EnqueueParams[]): Promise<{ queued: number; merged: number }> {
  if (jobs.length === 0) return { queued: 0, merged: 0 };
  const input = buildEnqueueJobsInput(jobs);
  const rows = await db.query<{ inserted: boolean }>(`${buildEnqueueJobsSql("$1")} RETURNING (xmax = 0) AS inserted`, [input.json]);
  const queued = rows.filter((r) => r.inserted).length;
  return { queued, merged: input.rows - queued };
}

/**
 * The statement of enqueueJobs without its RETURNING, for a caller that queues jobs within a larger
 * statement (a data-modifying WITH); `param` holds buildEnqueueJobsInput's JSON. Rows go in (kind,
 * key) order, so two transactions queueing overlapping jobs never wait on each other in a cycle. A
 * job that merges into a waiting one without changing it (a burst re-asking for the same
 * evaluation) leaves its row untouched: no new row version for every event of the burst.
 */
export function buildEnqueueJobsSql(param: string): string {
  return `INSERT INTO jobs (kind, key, installation_id, payload, run_at, max_attempts)
     SELECT x.kind, x.key, x.installation_id, x.payload, now() + (x.delay_ms * interval '1 millisecond'), x.max_attempts
     FROM jsonb_to_recordset(${param}::jsonb) AS x(kind text, key text, installation_id bigint, payload jsonb, delay_ms double precision, max_attempts integer)
     ORDER BY x.kind COLLATE "C", x.key COLLATE "C"
     ON CONFLICT (kind, key) WHERE state = 'queued'
     DO UPDATE SET payload = jobs.payload || excluded.payload, run_at = LEAST(jobs.run_at, excluded.run_at), updated_at = now()
     WHERE jobs.payload || excluded.payload <> jobs.payload OR excluded.run_at < jobs.run_at`;
}

/**
 * The JSON of buildEnqueueJobsSql and its number of rows: one per kind and key (INSERT … ON
 * CONFLICT DO UPDATE may touch a row once).
 */
export function buildEnqueueJobsInput(jobs: readonly EnqueueParams[]): { json: string; rows: number } {
  const byKey = new Map<string, { kind: JobKind; key: string; installation_id: number; payload: Record<string, unknown>; delay_ms: number; max_attempts: number }>();
  for (const job of jobs) {
    const id = `${job.kind}\u0000${job.key}`;
    const same = byKey.get(id);
    if (same) {
      same.payload = { ...same.payload, ...job.payload };
      same.delay_ms = Math.min(same.delay_ms, job.delayMs ?? 0);
    } else {
      byKey.set(id, { kind: job.kind, key: job.key, installation_id: job.installationId ?? 0, payload: job.payload, delay_ms: job.delayMs ?? 0, max_attempts: job.maxAttempts });
    }
  }
  return { json: JSON.stringify([...byKey.values()]), rows: byKey.size };
}

/**
 * Puts jobs whose lease expired (their process died or hung) back in the queue. When a newer job
 * for the same key already waits, the expired one is dropped: the waiting one does its work, and
 * a review always reads the pull request's current head anyway.
 */
export async function requeueExpiredJobs(db: Queryable): Promise<number> {
  await db.query(
    `DELETE FROM jobs r WHERE r.state = 'running' AND r.locked_until < now()
       AND EXISTS (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.kind = r.kind AND q.key = r.key)`,
  );
  const rows = await db.query(
    `UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL, run_at = now(), updated_at = now(),
       last_error = 'the process running it stopped before finishing'
     WHERE state = 'running' AND locked_until < now() RETURNING id`,
  );
  return rows.length;
}

/**
 * Claims the next due job of these kinds whose key has no running job (of its kind, or of an
 * exclusive kind when it is one: EXCLUSIVE_KINDS). Among installations, the
 * one with the fewest running jobs goes first, so that one installation's burst does not hold
 * the others back.
 */
export async function claimJob(db: Queryable, params: { workerId: string; kinds: readonly JobKind[]; leaseMs: number }): Promise<Job | null> {
  const rows = await db.query<JobRow>(
    `UPDATE jobs SET state = 'running', locked_by = $1, locked_until = now() + ($2::double precision * interval '1 millisecond'),
       attempts = attempts + 1, updated_at = now()
     WHERE id = (
       SELECT j.id FROM jobs j
       WHERE j.state = 'queued' AND j.run_at <= now() AND j.kind = ANY($3::text[])
         AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.key = j.key
                           AND (r.kind = j.kind OR (r.kind = ANY($4::text[]) AND j.kind = ANY($4::text[]))))
       ORDER BY (SELECT count(*) FROM jobs r WHERE r.state = 'running' AND r.installation_id = j.installation_id), j.run_at, j.id
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     RETURNING id, kind, key, installation_id, payload, attempts - 1 AS attempts, max_attempts, created_at`,
    [params.workerId, params.leaseMs, params.kinds, EXCLUSIVE_KINDS],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

/** Renews the lease of a running job; false when it is no longer ours (it expired and was taken). */
export async function extendJobLease(db: Queryable, params: { id: number; workerId: string; leaseMs: number }): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET locked_until = now() + ($3::double precision * interval '1 millisecond') WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id`,
    [params.id, params.workerId, params.leaseMs],
  );
  return rows.length > 0;
}

/** The job is done: it leaves the table. */
export async function completeJob(db: Queryable, params: { id: number; workerId: string }): Promise<void> {
  await db.query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2", [params.id, params.workerId]);
}

/**
 * Runs the job again after `delayMs` (a retry counts an attempt; a release does not). When a newer
 * job for the key is already waiting, this one is dropped into it: the waiting job does the work.
 */
export async function rescheduleJob(db: Queryable, params: { id: number; workerId: string; delayMs: number; error?: string; countAttempt: boolean }): Promise<"rescheduled" | "merged" | "gone"> {
  const { id, workerId } = params;
  const merged = await db.query(
    `DELETE FROM jobs r WHERE r.id = $1 AND r.locked_by = $2
       AND EXISTS (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.kind = r.kind AND q.key = r.key)
     RETURNING (SELECT q.id FROM jobs q WHERE q.state = 'queued' AND q.kind = r.kind AND q.key = r.key) AS into_id, r.payload`,
    [id, workerId],
  );
  if (merged.length > 0) {
    // The waiting job inherits what the dropped one asked for (e.g. a re-run).
    const row = merged[0] as { into_id: string; payload: unknown };
    await db.query("UPDATE jobs SET payload = $2::jsonb || payload WHERE id = $1", [row.into_id, typeof row.payload === "string" ? row.payload : JSON.stringify(row.payload)]);
    return "merged";
  }
  const rows = await db.query(
    `UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL, updated_at = now(),
       run_at = now() + ($3::double precision * interval '1 millisecond'), last_error = COALESCE($4, last_error),
       attempts = CASE WHEN $5::boolean THEN attempts ELSE greatest(attempts - 1, 0) END
     WHERE id = $1 AND locked_by = $2 RETURNING id`,
    [id, workerId, params.delayMs, params.error ?? null, params.countAttempt],
  );
  return rows.length > 0 ? "rescheduled" : "gone";
}

/** Gives up on the job; it stays in the table as `failed` for people to look at. */
export async function failJob(db: Queryable, params: { id: number; workerId: string; error: string }): Promise<void> {
  await db.query("UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, last_error = $3, updated_at = now() WHERE id = $1 AND locked_by = $2", [
    params.id,
    params.workerId,
    params.error,
  ]);
}

export interface QueueStats {
  /** Jobs waiting, due or not, by kind. */
  queued: Record<string, number>;
  running: Record<string, number>;
  failed: Record<string, number>;
  /** Waiting jobs that already failed at least once. */
  retrying: number;
  /** Seconds since the oldest waiting job was created (0 when none waits). */
  oldestQueuedSeconds: number;
}

export async function getQueueStats(db: Queryable): Promise<QueueStats> {
  const rows = await db.query<{ kind: string; state: string; n: string; retrying: string; oldest: number | string | null }>(
    `SELECT kind, state, count(*) AS n, count(*) FILTER (WHERE attempts > 0) AS retrying,
       EXTRACT(EPOCH FROM (now() - min(created_at))) AS oldest
     FROM jobs GROUP BY kind, state`,
  );
  const stats: QueueStats = { queued: {}, running: {}, failed: {}, retrying: 0, oldestQueuedSeconds: 0 };
  for (const row of rows) {
    const bucket = row.state === "queued" ? stats.queued : row.state === "running" ? stats.running : stats.failed;
    bucket[row.kind] = Number(row.n);
    if (row.state === "queued") {
      stats.retrying += Number(row.retrying);
      stats.oldestQueuedSeconds = Math.max(stats.oldestQueuedSeconds, Number(row.oldest ?? 0));
    }
  }
  return stats;
}
