/**
 * The merge gate's jobs (issue 12): which `gate-evaluate` jobs an event or a promotion-record change
 * asks for. One key per pull request, so a burst of events for the records a PR waits on becomes
 * one waiting job (the queue merges them) and one PR is evaluated by one process at a time, across
 * replicas: no check update is lost (a change during a run queues the next) or sent twice.
 */
import { createBatcher } from "../cluster/batcher.js";
import { applyObservationBatch, getObservationKey, type IngestResult } from "../cluster/ingest.js";
import { formatCanaryKey } from "../gate/flagger-event.js";
import type { PromotionObservation } from "../gate/promotion.js";
import { CLUSTER_LIMITS, QUEUE_LIMITS } from "../limits.js";
import { commitIngestBatch, createRecordCache, lockPromotionRecordKeys, readIngestBatch, type RecordCache } from "../store/ingest-batch.js";
import { enqueueJobs } from "../store/queue.js";
import type { Queryable, Store } from "../store/store.js";
import type { EventDecision, PlannedJob } from "./events.js";
import { asRecord, readInstallationRepository } from "./payload.js";
import type { ReviewedForGate } from "./review-pull-request.js";

export interface GateJobPayload {
  owner: string;
  repo: string;
  /** The pull request; absent for a merge group. */
  number?: number;
  /** Read the pull request's Canaries from the repository (a merged pull request the gate never saw). */
  read?: true;
  /** What the review of the pull request's head found for the gate (no second read of the repository). */
  reviewed?: ReviewedForGate;
  /** The pull request was merged: record the merged revision and follow its rollout. */
  merged?: { sha: string; at: number };
  /** The pull request was closed without merging: stop waiting. */
  closed?: true;
  /** A merge group asks for the check on its head commit. */
  mergeGroup?: { headSha: string; pullRequests: number[] };
}

export function buildGateJobKey(params: { installationId: number; owner: string; repo: string; number: number }): string {
  return `${params.installationId}/${params.owner}/${params.repo}#${params.number}`;
}

export function buildGateJob(params: { installationId: number; payload: GateJobPayload }): PlannedJob {
  const { installationId, payload } = params;
  const key = payload.number !== undefined ? buildGateJobKey({ installationId, owner: payload.owner, repo: payload.repo, number: payload.number }) : `${installationId}/${payload.owner}/${payload.repo}@${payload.mergeGroup?.headSha ?? ""}`;
  return { kind: "gate-evaluate", key, installationId, payload: payload as unknown as Record<string, unknown> };
}

/**
 * `pull_request.closed` and `merge_group.checks_requested` become gate jobs; null for every other
 * event (the review's events reach the gate through the review job: buildGateJobAfterReview).
 */
export function buildGateJobsForEvent(params: { name: string; payload: unknown }): EventDecision | null {
  const payload = asRecord(params.payload);
  const action = typeof payload?.action === "string" ? payload.action : undefined;
  const isClosed = params.name === "pull_request" && action === "closed";
  const isGroup = params.name === "merge_group" && action === "checks_requested";
  if (!isClosed && !isGroup) return null;
  const event = `${params.name}.${action}`;
  const named = readInstallationRepository(payload);
  if ("missing" in named) return { action: "reject", event, reason: named.missing };
  const { installationId, owner, repo } = named;
  if (isClosed) {
    const pull = asRecord(payload?.pull_request);
    const number = pull?.number;
    if (typeof number !== "number" || !Number.isSafeInteger(number) || number <= 0) return { action: "reject", event, reason: "the payload names no pull request" };
    if (pull?.merged !== true) return { action: "enqueue", event, jobs: [buildGateJob({ installationId, payload: { owner, repo, number, closed: true } })] };
    const sha = pull.merge_commit_sha;
    const at = Date.parse(String(pull.merged_at));
    if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha) || !Number.isFinite(at)) return { action: "reject", event, reason: "a merged pull request without its merge commit or time" };
    return { action: "enqueue", event, jobs: [buildGateJob({ installationId, payload: { owner, repo, number, merged: { sha, at } } })] };
  }
  const group = asRecord(payload?.merge_group);
  const headSha = group?.head_sha;
  if (typeof headSha !== "string" || !/^[0-9a-f]{40}$/.test(headSha)) return { action: "reject", event, reason: "the merge group names no head commit" };
  return { action: "enqueue", event, jobs: [buildGateJob({ installationId, payload: { owner, repo, mergeGroup: { headSha, pullRequests: parseMergeGroupPullRequests(String(group?.head_ref ?? "")) } } })] };
}

/**
 * The pull request a merge group adds, from its ref: `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`
 * (GitHub docs, "Managing a merge queue"). Each entry of the queue gets its own group and its own
 * checks_requested, so the PRs ahead of it were answered with their own groups.
 */
export function parseMergeGroupPullRequests(headRef: string): number[] {
  const match = /\/pr-(\d+)-[0-9a-f]+$/.exec(headRef);
  return match ? [Number(match[1])] : [];
}

/** After a review of a pull request in a repository with environments: the gate records what it found and judges it. */
export function buildGateJobAfterReview(params: { installationId: number; owner: string; repo: string; number: number; gate: ReviewedForGate | null }): PlannedJob | null {
  if (params.gate === null) return null;
  return buildGateJob({ installationId: params.installationId, payload: { owner: params.owner, repo: params.repo, number: params.number, reviewed: params.gate } });
}

export async function enqueueGateJobs(db: Queryable, jobs: readonly PlannedJob[]): Promise<void> {
  await enqueueJobs(db, jobs.map((job) => ({ ...job, maxAttempts: QUEUE_LIMITS.reviewAttempts })));
}

export interface NotifiedIngestResult extends IngestResult {
  /** Gate-evaluate jobs asked for by this observation (the pull requests waiting on its record). */
  queued: number;
}

/** A batch's transaction failed in a way that trying again can cure. */
class RetryableBatchError extends Error {}

/** Deadlock and serialization failures (PostgreSQL error codes 40P01, 40001): the transaction can simply be run again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(["40P01", "40001"]);

/**
 * Applies observations, in order, to their records and queues a gate-evaluate job for every pull
 * request waiting on a record that changed — all in one transaction, in a handful of statements
 * whatever the batch's size: lock the batch's records against other processes, read them, apply
 * the pure reducer in memory (applyObservationBatch), write the changed ones with their version
 * check, append the events to the log, queue the jobs. A failure commits nothing and rejects the
 * whole batch; a replay of it then does what it would have done. Results come back in input order.
 */
export async function ingestAndNotifyBatch(params: { store: Store; observations: readonly PromotionObservation[]; wake?: () => void; cache?: RecordCache }): Promise<NotifiedIngestResult[]> {
  const { store, observations } = params;
  if (observations.length === 0) return [];
  const keys = [...new Map(observations.map((o) => getObservationKey(o)).map((k) => [formatCanaryKey(k), k] as const)).values()];
  const events = observations.flatMap((o) => (o.kind === "event" ? [o.event] : []));
  for (let attempt = 1; ; attempt++) {
    try {
      const { batch, newEvents, waiting, written } = await store.transaction(async (tx) => {
        await lockPromotionRecordKeys(tx, keys);
        const read = await readIngestBatch(tx, keys, params.cache);
        const batch = applyObservationBatch({ stored: read.records, observations });
        const changed = new Set(batch.writes.map((w) => formatCanaryKey(w.record)));
        const waiting = read.waiting.filter((pr) => changed.has(pr.recordKey));
        const jobs = waiting.map((pr) => ({ ...buildGateJob({ installationId: pr.installationId, payload: { owner: pr.owner, repo: pr.repo, number: pr.number } }), maxAttempts: QUEUE_LIMITS.reviewAttempts }));
        const { conflicts, newEvents, written } = await commitIngestBatch(tx, { writes: batch.writes, events, jobs });
        // Only a writer that ignores the locks can come first (ingestObservation on the bare port).
        if (conflicts.length > 0) throw new RetryableBatchError(`promotion records changed under the batch: ${conflicts.map(formatCanaryKey).join(", ")}`);
        return { batch, newEvents, waiting, written };
      });
      // Committed: what was written is now the stored row (a rolled-back batch leaves the cache alone).
      for (const [id, entry] of written) params.cache?.set(id, entry);
      if (waiting.length > 0) params.wake?.();
      const waitingOf = new Map<string, number>();
      for (const pr of waiting) waitingOf.set(pr.recordKey, (waitingOf.get(pr.recordKey) ?? 0) + 1);
      const seen = new Set<string>();
      return batch.results.map((result, i) => {
        const observation = observations[i]!;
        // The first of a replayed key within the batch is the one the log took.
        const newEvent = observation.kind === "event" && newEvents.has(observation.event.key) && !seen.has(observation.event.key);
        if (observation.kind === "event") seen.add(observation.event.key);
        return { ...result, newEvent, queued: result.changed ? (waitingOf.get(formatCanaryKey(result.key)) ?? 0) : 0 };
      });
    } catch (error) {
      const retryable = error instanceof RetryableBatchError || RETRYABLE_SQLSTATES.has(String((error as { code?: unknown }).code));
      if (!retryable || attempt >= CLUSTER_LIMITS.ingestBatchAttempts) throw error;
    }
  }
}

/**
 * The App's ingestion (merge-gate-wiring.ts, and bench/gate.ts measures it): every observation of
 * this process — Flagger events, watched statuses, merged revisions — goes through one group commit
 * into ingestAndNotifyBatch. It replaces a per-Canary serializer: one process's batches do not run
 * side by side, and other processes wait on the Canaries' locks instead of retrying.
 */
export function createGateIngest(params: { store: Store; wake?: () => void }): (observation: PromotionObservation) => Promise<NotifiedIngestResult> {
  const cache = createRecordCache(CLUSTER_LIMITS.cachedRecords);
  return createBatcher({
    run: (observations) => ingestAndNotifyBatch({ store: params.store, observations, cache, ...(params.wake ? { wake: params.wake } : {}) }),
    maxItems: CLUSTER_LIMITS.ingestBatchObservations,
    maxInFlight: CLUSTER_LIMITS.ingestBatchesInFlight,
  });
}

