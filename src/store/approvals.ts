/**
 * The approvals' tables (migrations/003_approvals.sql): command records, gate calls, each pull
 * request's head, and the Canaries a pull request changes. What decideComment and decideGateCall
 * read and what they return is stored here; the decisions themselves are pure (src/gate).
 *
 * A record is kept whole as JSON (the audit trail shows it as it was decided) beside the columns
 * that are queried; consumption and invalidation update both. Every write to command_records and
 * pull_request_heads notifies the gate route's memory (migrations/004_gate_notify.sql).
 */
import { buildPullRequestKey } from "../gate/gate-call.js";
import type { ChangedCanary } from "../gate/authorize.js";
import type { CommandRecord, GateCallRecord } from "../commands/records.js";
import type { GateHook } from "../commands/verbs.js";
import type { Queryable } from "./store.js";

interface RecordRow {
  record: unknown;
}

function parseJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/**
 * Stores the records whose key is new and returns them; a record already stored (a redelivered
 * webhook, a job run twice) is left as it is.
 */
export async function insertCommandRecords(db: Queryable, records: readonly CommandRecord[]): Promise<CommandRecord[]> {
  const added: CommandRecord[] = [];
  for (const r of records) {
    const rows = await db.query(
      `INSERT INTO command_records (key, repository, pull_request, comment_id, verb, hook, outcome, cluster, namespace, name,
         run_id, head_sha, at, consumed_at, invalidated_at, record)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [
        r.key,
        r.repository,
        r.pullRequest,
        r.commentId,
        r.verb,
        r.hook,
        r.outcome,
        r.canary?.cluster ?? null,
        r.canary?.namespace ?? null,
        r.canary?.name ?? null,
        r.runId,
        r.headSha,
        r.at,
        r.consumedAt,
        r.invalidatedAt,
        JSON.stringify(r),
      ],
    );
    if (rows.length > 0) added.push(r);
  }
  return added;
}

/** Every command record of a pull request, oldest first (the audit trail). */
export async function listCommandRecords(db: Queryable, params: { repository: string; pullRequest: number }): Promise<CommandRecord[]> {
  const rows = await db.query<RecordRow>("SELECT record FROM command_records WHERE repository = $1 AND pull_request = $2 ORDER BY at, key", [
    params.repository,
    params.pullRequest,
  ]);
  return rows.map((row) => parseJson<CommandRecord>(row.record));
}

/** The accepted approvals of one hook for one Canary that no push voided: what a gate call weighs. */
export async function listApprovals(db: Queryable, params: { cluster: string; namespace: string; name: string; hook: GateHook }): Promise<CommandRecord[]> {
  const rows = await db.query<RecordRow>(
    `SELECT record FROM command_records
     WHERE outcome = 'accepted' AND cluster = $1 AND namespace = $2 AND name = $3 AND hook = $4 AND invalidated_at IS NULL
     ORDER BY at, key`,
    [params.cluster, params.namespace, params.name, params.hook],
  );
  return rows.map((row) => parseJson<CommandRecord>(row.record));
}

/** The first gate call an approval opened; later calls leave the time as it is. */
export async function markApprovalConsumed(db: Queryable, params: { key: string; at: string }): Promise<void> {
  await db.query(
    `UPDATE command_records SET consumed_at = $2, record = record || jsonb_build_object('consumedAt', $3::text)
     WHERE key = $1 AND consumed_at IS NULL`,
    [params.key, params.at, params.at],
  );
}

/** Stores what invalidateApprovalsOnPush returned. */
export async function markApprovalsInvalidated(db: Queryable, records: readonly CommandRecord[]): Promise<void> {
  for (const r of records) {
    if (r.invalidatedAt === null) continue;
    await db.query(
      `UPDATE command_records SET invalidated_at = $2,
         record = record || jsonb_build_object('invalidatedAt', $3::text, 'invalidation', $4::text)
       WHERE key = $1 AND invalidated_at IS NULL`,
      [r.key, r.invalidatedAt, r.invalidatedAt, r.invalidation],
    );
  }
}

/**
 * Stores gate calls in one statement (the gate route writes them in batches): one array per column
 * (unnest), so that a batch binds 16 parameters, not 12 per row. Returns, from the same statement
 * (one snapshot, taken before the insert), the latest call stored before of each gate the batch
 * calls (gate_latest, migration 006): what the gate route compares the batch with to redraw the
 * comments whose gate changed answer. A gate never called before has none.
 */
export async function insertGateCalls(db: Queryable, records: readonly GateCallRecord[]): Promise<{ previous: GateCallRecord[] }> {
  if (records.length === 0) return { previous: [] };
  const column = <T>(get: (r: GateCallRecord) => T) => records.map(get);
  const gates = new Map<string, GateCallRecord>();
  for (const r of records) if (r.namespace !== null && r.name !== null) gates.set(JSON.stringify([r.cluster, r.namespace, r.name, r.hook]), r);
  const gate = <T>(get: (r: GateCallRecord) => T) => [...gates.values()].map(get);
  const rows = await db.query<GateCallRow>(
    `WITH added AS (
       INSERT INTO gate_calls (at, cluster, hook, namespace, name, phase, checksum, run_id, status, code, reason, approval_key)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::integer[], $10::text[], $11::text[], $12::text[])
     )
     SELECT c.at, c.cluster, c.hook, c.namespace, c.name, c.phase, c.checksum, c.run_id, c.status, c.code, c.reason, c.approval_key
     FROM unnest($13::text[], $14::text[], $15::text[], $16::text[]) AS k(cluster, namespace, name, hook)
     JOIN gate_latest l USING (cluster, namespace, name, hook)
     JOIN gate_calls c ON c.id = l.call_id`,
    [
      column((r) => r.at),
      column((r) => r.cluster),
      column((r) => r.hook),
      column((r) => r.namespace),
      column((r) => r.name),
      column((r) => r.phase),
      column((r) => r.checksum),
      column((r) => r.runId),
      column((r) => r.status),
      column((r) => r.code),
      column((r) => r.reason),
      column((r) => r.approvalKey),
      gate((r) => r.cluster),
      gate((r) => r.namespace),
      gate((r) => r.name),
      gate((r) => r.hook),
    ],
  );
  return { previous: rows.map(toGateCallRecord) };
}

/** A gate_calls row as read (the columns of GateCallRecord). */
export interface GateCallRow {
  at: unknown;
  cluster: string;
  hook: string;
  namespace: string | null;
  name: string | null;
  phase: string | null;
  checksum: string | null;
  run_id: string | null;
  status: number;
  code: string;
  reason: string;
  approval_key: string | null;
}

/** Gate calls of a cluster (of one Canary when namespace and name are given), oldest first. */
export async function listGateCalls(db: Queryable, params: { cluster: string; namespace?: string; name?: string }): Promise<GateCallRecord[]> {
  const rows = await db.query<GateCallRow>(
    `SELECT at, cluster, hook, namespace, name, phase, checksum, run_id, status, code, reason, approval_key FROM gate_calls
     WHERE cluster = $1 AND ($2::text IS NULL OR namespace = $2) AND ($3::text IS NULL OR name = $3)
     ORDER BY at, id`,
    [params.cluster, params.namespace ?? null, params.name ?? null],
  );
  return rows.map(toGateCallRecord);
}

export function toGateCallRecord(row: GateCallRow): GateCallRecord {
  return {
    at: toIso(row.at)!,
    cluster: row.cluster,
    hook: row.hook,
    namespace: row.namespace,
    name: row.name,
    phase: row.phase,
    checksum: row.checksum,
    runId: row.run_id,
    status: row.status as 200 | 403,
    code: row.code,
    reason: row.reason,
    approvalKey: row.approval_key,
  };
}

export interface PullRequestHead {
  headSha: string;
  /** When that head was pushed (pull_request.synchronize); null when unknown. */
  pushedAt: string | null;
}

/**
 * Records a pull request's head. A push with a time replaces only an older push (deliveries
 * arrive out of order); a head read from GitHub (no time) replaces the head but keeps the time.
 */
export async function upsertPullRequestHead(db: Queryable, params: { repository: string; pullRequest: number; headSha: string; pushedAt: string | null }): Promise<void> {
  await db.query(
    `INSERT INTO pull_request_heads (repository, pull_request, head_sha, pushed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (repository, pull_request) DO UPDATE SET
       head_sha = excluded.head_sha,
       pushed_at = CASE WHEN pull_request_heads.head_sha = excluded.head_sha THEN COALESCE(pull_request_heads.pushed_at, excluded.pushed_at)
                        ELSE excluded.pushed_at END,
       updated_at = now()
     WHERE excluded.pushed_at IS NULL OR pull_request_heads.pushed_at IS NULL OR excluded.pushed_at >= pull_request_heads.pushed_at`,
    [params.repository, params.pullRequest, params.headSha, params.pushedAt],
  );
}

export async function getPullRequestHead(db: Queryable, params: { repository: string; pullRequest: number }): Promise<PullRequestHead | null> {
  const rows = await db.query<{ head_sha: string; pushed_at: unknown }>("SELECT head_sha, pushed_at FROM pull_request_heads WHERE repository = $1 AND pull_request = $2", [
    params.repository,
    params.pullRequest,
  ]);
  const row = rows[0];
  return row ? { headSha: row.head_sha, pushedAt: toIso(row.pushed_at) } : null;
}

/** The heads of these pull requests, by buildPullRequestKey (`owner/repo#n`); unknown ones are left out. One query. */
export async function getPullRequestHeads(db: Queryable, pulls: ReadonlyArray<{ repository: string; pullRequest: number }>): Promise<Map<string, string>> {
  const heads = new Map<string, string>();
  if (pulls.length === 0) return heads;
  const rows = await db.query<{ repository: string; pull_request: number; head_sha: string }>(
    `SELECT h.repository, h.pull_request, h.head_sha FROM unnest($1::text[], $2::integer[]) AS k(repository, pull_request)
     JOIN pull_request_heads h USING (repository, pull_request)`,
    [pulls.map((p) => p.repository), pulls.map((p) => p.pullRequest)],
  );
  for (const row of rows) heads.set(buildPullRequestKey(row.repository, row.pull_request), row.head_sha);
  return heads;
}

/** Records the Canaries a review of `headSha` found the pull request changing. */
export async function ensurePullRequestCanaries(db: Queryable, params: { repository: string; pullRequest: number; headSha: string; canaries: readonly ChangedCanary[] }): Promise<void> {
  await db.query(
    `INSERT INTO pull_request_canaries (repository, pull_request, head_sha, canaries) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (repository, pull_request) DO UPDATE SET head_sha = excluded.head_sha, canaries = excluded.canaries, updated_at = now()`,
    [params.repository, params.pullRequest, params.headSha, JSON.stringify(params.canaries)],
  );
}

export async function getPullRequestCanaries(db: Queryable, params: { repository: string; pullRequest: number }): Promise<{ headSha: string; canaries: ChangedCanary[] } | null> {
  const rows = await db.query<{ head_sha: string; canaries: unknown }>("SELECT head_sha, canaries FROM pull_request_canaries WHERE repository = $1 AND pull_request = $2", [
    params.repository,
    params.pullRequest,
  ]);
  const row = rows[0];
  return row ? { headSha: row.head_sha, canaries: parseJson<ChangedCanary[]>(row.canaries) } : null;
}
