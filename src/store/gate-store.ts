/**
 * What the App keeps per pull request for the merge gate (migration 002_gate.sql): the Canaries
 * it changes and the environments they were judged with (so a record change re-decides without
 * re-reading the repository), the last decision (merge groups are answered from it), the promotion
 * records it waits on (the index a record change looks up), the recorded hold/skip-gate commands,
 * and the digest of what was last written on each commit (a check run or status is never sent
 * twice with the same content).
 */
import type { EnvironmentConfig } from "../config/schema.js";
import type { CanaryKey } from "../gate/flagger-event.js";
import type { ChangedCanary, GateDecision, RecordedGateDecision } from "../gate/merge-gate.js";
import type { RolloutReport } from "../gate/rollout.js";
import { buildRecordLockSql } from "./ingest-batch.js";
import type { Queryable } from "./store.js";

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

export interface GatedPullRequest extends PullRequestRef {
  installationId: number;
  headSha: string;
  state: "open" | "merged" | "closed";
  environments: EnvironmentConfig[];
  canaries: ChangedCanary[];
  decision: GateDecision | null;
  mergeSha: string | null;
  mergedAt: number | null;
  /** After the merge: the rollout as last reported (the comment's "Rollout" section). */
  rollout: RolloutReport | null;
}

interface GatedRow {
  installation_id: string | number;
  owner: string;
  repo: string;
  pull_number: number;
  head_sha: string;
  state: GatedPullRequest["state"];
  environments: unknown;
  canaries: unknown;
  decision: unknown;
  merge_sha: string | null;
  merged_at: Date | string | null;
  rollout: unknown;
}

const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

export function buildRecordKey(key: CanaryKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}

export async function getGatedPullRequest(db: Queryable, ref: PullRequestRef): Promise<GatedPullRequest | null> {
  const rows = await db.query<GatedRow>("SELECT * FROM gate_pull_requests WHERE owner = $1 AND repo = $2 AND pull_number = $3", [ref.owner, ref.repo, ref.number]);
  const row = rows[0];
  if (!row) return null;
  return {
    installationId: Number(row.installation_id),
    owner: row.owner,
    repo: row.repo,
    number: row.pull_number,
    headSha: row.head_sha,
    state: row.state,
    environments: json(row.environments),
    canaries: json(row.canaries),
    decision: row.decision === null ? null : json(row.decision),
    mergeSha: row.merge_sha,
    mergedAt: row.merged_at === null ? null : new Date(row.merged_at).getTime(),
    rollout: row.rollout === null || row.rollout === undefined ? null : json(row.rollout),
  };
}

/** Records the pull request's Canaries at a head (read from the repository); keeps its decision only for the same head. */
export async function upsertGatedPullRequest(db: Queryable, pr: Omit<GatedPullRequest, "decision" | "mergeSha" | "mergedAt" | "rollout">): Promise<void> {
  await db.query(
    `INSERT INTO gate_pull_requests (installation_id, owner, repo, pull_number, head_sha, state, environments, canaries)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
     ON CONFLICT (owner, repo, pull_number) DO UPDATE SET installation_id = excluded.installation_id, head_sha = excluded.head_sha,
       state = excluded.state, environments = excluded.environments, canaries = excluded.canaries, updated_at = now(),
       decision = CASE WHEN gate_pull_requests.head_sha = excluded.head_sha THEN gate_pull_requests.decision END`,
    [pr.installationId, pr.owner, pr.repo, pr.number, pr.headSha, pr.state, JSON.stringify(pr.environments), JSON.stringify(pr.canaries)],
  );
}

export async function recordGateDecision(db: Queryable, params: PullRequestRef & { headSha: string; decision: GateDecision }): Promise<void> {
  await db.query("UPDATE gate_pull_requests SET decision = $5::jsonb, updated_at = now() WHERE owner = $1 AND repo = $2 AND pull_number = $3 AND head_sha = $4", [
    params.owner,
    params.repo,
    params.number,
    params.headSha,
    JSON.stringify(params.decision),
  ]);
}

export async function recordRolloutReport(db: Queryable, params: PullRequestRef & { rollout: RolloutReport }): Promise<void> {
  await db.query("UPDATE gate_pull_requests SET rollout = $4::jsonb, updated_at = now() WHERE owner = $1 AND repo = $2 AND pull_number = $3", [
    params.owner,
    params.repo,
    params.number,
    JSON.stringify(params.rollout),
  ]);
}

export async function markPullRequestMerged(db: Queryable, params: PullRequestRef & { mergeSha: string; mergedAt: number }): Promise<void> {
  await db.query("UPDATE gate_pull_requests SET state = 'merged', merge_sha = $4, merged_at = $5, updated_at = now() WHERE owner = $1 AND repo = $2 AND pull_number = $3", [
    params.owner,
    params.repo,
    params.number,
    params.mergeSha,
    new Date(params.mergedAt),
  ]);
}

export async function markPullRequestClosed(db: Queryable, ref: PullRequestRef): Promise<void> {
  await db.query("UPDATE gate_pull_requests SET state = 'closed', updated_at = now() WHERE owner = $1 AND repo = $2 AND pull_number = $3 AND state = 'open'", [ref.owner, ref.repo, ref.number]);
}

/** Replaces the records the pull request waits on (none: it waits no more). */
export async function replaceWaitingKeys(db: Queryable, params: PullRequestRef & { installationId: number; keys: readonly CanaryKey[] }): Promise<void> {
  await db.query("DELETE FROM gate_waiting WHERE owner = $1 AND repo = $2 AND pull_number = $3", [params.owner, params.repo, params.number]);
  if (params.keys.length === 0) return;
  // Each key's ingestion lock, shared, until this statement commits: an ingestion that changes the
  // record either commits first (the gate's read after this sees its change) or starts after this
  // commits (it sees this row and queues the evaluation). Without it, a batch that read gate_waiting
  // just before this insert and committed just after the gate's read would notify nobody.
  await db.query(
    `INSERT INTO gate_waiting (record_key, owner, repo, pull_number, installation_id)
     SELECT k, $2, $3, $4, $5 FROM (SELECT DISTINCT k, ${buildRecordLockSql("k")} AS h FROM unnest($1::text[]) AS k ORDER BY h) AS keys,
       LATERAL (SELECT pg_advisory_xact_lock_shared(keys.h)) AS locked
     ON CONFLICT DO NOTHING`,
    [params.keys.map(buildRecordKey), params.owner, params.repo, params.number, params.installationId],
  );
}

export async function listWaitingPullRequests(db: Queryable, key: CanaryKey): Promise<Array<PullRequestRef & { installationId: number }>> {
  const rows = await db.query<{ owner: string; repo: string; pull_number: number; installation_id: string | number }>(
    "SELECT owner, repo, pull_number, installation_id FROM gate_waiting WHERE record_key = $1 ORDER BY owner, repo, pull_number",
    [buildRecordKey(key)],
  );
  return rows.map((r) => ({ owner: r.owner, repo: r.repo, number: r.pull_number, installationId: Number(r.installation_id) }));
}

export async function appendGateCommand(db: Queryable, params: PullRequestRef & { decision: RecordedGateDecision }): Promise<void> {
  await db.query("INSERT INTO gate_decisions (owner, repo, pull_number, decision) VALUES ($1, $2, $3, $4::jsonb)", [params.owner, params.repo, params.number, JSON.stringify(params.decision)]);
}

export async function listGateCommands(db: Queryable, ref: PullRequestRef): Promise<RecordedGateDecision[]> {
  const rows = await db.query<{ decision: unknown }>("SELECT decision FROM gate_decisions WHERE owner = $1 AND repo = $2 AND pull_number = $3 ORDER BY id", [ref.owner, ref.repo, ref.number]);
  return rows.map((r) => json<RecordedGateDecision>(r.decision));
}

export interface GateOutput {
  checkRunId: number | null;
  digest: string;
}

export async function getGateOutput(db: Queryable, params: { owner: string; repo: string; sha: string; name: string }): Promise<GateOutput | null> {
  const rows = await db.query<{ check_run_id: string | number | null; digest: string }>("SELECT check_run_id, digest FROM gate_outputs WHERE owner = $1 AND repo = $2 AND sha = $3 AND name = $4", [
    params.owner,
    params.repo,
    params.sha,
    params.name,
  ]);
  const row = rows[0];
  return row ? { checkRunId: row.check_run_id === null ? null : Number(row.check_run_id), digest: row.digest } : null;
}

export async function upsertGateOutput(db: Queryable, params: { owner: string; repo: string; sha: string; name: string; pullNumber: number | null; checkRunId: number | null; digest: string }): Promise<void> {
  await db.query(
    `INSERT INTO gate_outputs (owner, repo, sha, name, pull_number, check_run_id, digest) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (owner, repo, sha, name) DO UPDATE SET check_run_id = COALESCE(excluded.check_run_id, gate_outputs.check_run_id), digest = excluded.digest, updated_at = now()`,
    [params.owner, params.repo, params.sha, params.name, params.pullNumber, params.checkRunId, params.digest],
  );
}
