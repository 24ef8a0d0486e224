/**
 * The sticky comment's stored parts (migration 005_comments.sql): the review's own text for the
 * head it reviewed, and the digest of the body last written to GitHub. The review job saves its
 * text; the `comment` job (src/github/comment-job.ts) redraws the comment from it and the other
 * stored sections when a gate decision, a rollout or a command changes them.
 */
import type { GateCallRecord } from "../commands/records.js";
import type { GateCallSummary } from "../commands/render-approvals.js";
import { toGateCallRecord, type GateCallRow } from "./approvals.js";
import type { PullRequestRef } from "./gate-store.js";
import type { Queryable } from "./store.js";

export interface StoredReviewComment extends PullRequestRef {
  installationId: number;
  headSha: string;
  /** The review's comment without the stored sections. */
  reviewBody: string;
  /** Digest of the whole body last written to GitHub (null: not known to be written). */
  writtenDigest: string | null;
}

/** The review's text for a head; the written digest is forgotten (the caller writes next). */
export async function saveReviewComment(db: Queryable, params: PullRequestRef & { installationId: number; headSha: string; reviewBody: string }): Promise<void> {
  await db.query(
    `INSERT INTO pull_request_comments (owner, repo, pull_number, installation_id, head_sha, review_body) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (owner, repo, pull_number) DO UPDATE SET installation_id = excluded.installation_id, head_sha = excluded.head_sha,
       review_body = excluded.review_body, written_digest = NULL, updated_at = now()`,
    [params.owner, params.repo, params.number, params.installationId, params.headSha, params.reviewBody],
  );
}

export async function getReviewComment(db: Queryable, ref: PullRequestRef): Promise<StoredReviewComment | null> {
  const rows = await db.query<{ installation_id: string | number; head_sha: string; review_body: string; written_digest: string | null }>(
    "SELECT installation_id, head_sha, review_body, written_digest FROM pull_request_comments WHERE owner = $1 AND repo = $2 AND pull_number = $3",
    [ref.owner, ref.repo, ref.number],
  );
  const row = rows[0];
  if (!row) return null;
  return { ...ref, installationId: Number(row.installation_id), headSha: row.head_sha, reviewBody: row.review_body, writtenDigest: row.written_digest };
}

export async function forgetReviewComment(db: Queryable, ref: PullRequestRef): Promise<void> {
  await db.query("DELETE FROM pull_request_comments WHERE owner = $1 AND repo = $2 AND pull_number = $3", [ref.owner, ref.repo, ref.number]);
}

/** Remembers what was written, for the head it was written for (a newer review's text keeps its own). */
export async function recordCommentWritten(db: Queryable, params: PullRequestRef & { headSha: string; digest: string }): Promise<void> {
  await db.query("UPDATE pull_request_comments SET written_digest = $5, updated_at = now() WHERE owner = $1 AND repo = $2 AND pull_number = $3 AND head_sha = $4", [
    params.owner,
    params.repo,
    params.number,
    params.headSha,
    params.digest,
  ]);
}

type GateCallSummaryRow = GateCallRow & { calls: string | number };

/**
 * Per gate of these Canaries: how many calls Flagger made and the latest one (Flagger polls a closed
 * gate every tick, so a comment never reads the calls themselves; gate_latest keeps both).
 */
export async function listGateCallSummaries(db: Queryable, canaries: ReadonlyArray<{ cluster: string; namespace: string; name: string }>): Promise<GateCallSummary[]> {
  if (canaries.length === 0) return [];
  const rows = await db.query<GateCallSummaryRow>(
    `SELECT c.at, c.cluster, c.hook, c.namespace, c.name, c.phase, c.checksum, c.run_id, c.status, c.code, c.reason, c.approval_key, l.calls
     FROM unnest($1::text[], $2::text[], $3::text[]) AS k(cluster, namespace, name)
     JOIN gate_latest l USING (cluster, namespace, name)
     JOIN gate_calls c ON c.id = l.call_id
     ORDER BY l.cluster, l.namespace, l.name, l.hook`,
    [canaries.map((c) => c.cluster), canaries.map((c) => c.namespace), canaries.map((c) => c.name)],
  );
  return rows.map((row) => ({ calls: Number(row.calls), last: toGateCallRecord(row) }));
}

/** The open pull requests whose recorded Canaries include one of these (their comments show its gates). */
export async function listOpenPullRequestsOfCanaries(db: Queryable, canaries: ReadonlyArray<{ cluster: string; namespace: string; name: string }>): Promise<Array<PullRequestRef & { installationId: number }>> {
  if (canaries.length === 0) return [];
  const rows = await db.query<{ installation_id: string | number; owner: string; repo: string; pull_number: number }>(
    `SELECT DISTINCT g.installation_id, g.owner, g.repo, g.pull_number
     FROM unnest($1::text[], $2::text[], $3::text[]) AS k(cluster, namespace, name)
     JOIN pull_request_canaries p ON p.canaries @> jsonb_build_array(jsonb_build_object('canary', jsonb_build_object('cluster', k.cluster, 'namespace', k.namespace, 'name', k.name)))
     JOIN gate_pull_requests g ON p.repository = g.owner || '/' || g.repo AND p.pull_request = g.pull_number AND g.state = 'open'
     ORDER BY g.owner, g.repo, g.pull_number`,
    [canaries.map((c) => c.cluster), canaries.map((c) => c.namespace), canaries.map((c) => c.name)],
  );
  return rows.map((r) => ({ installationId: Number(r.installation_id), owner: r.owner, repo: r.repo, number: r.pull_number }));
}
