/**
 * The merge gate's jobs (issue 12): which `gate-evaluate` jobs an event or a promotion-record change
 * asks for. One key per pull request, so a burst of events for the records a PR waits on becomes
 * one waiting job (the queue merges them) and one PR is evaluated by one process at a time, across
 * replicas: no check update is lost (a change during a run queues the next) or sent twice.
 */
import { ingestObservation, type IngestResult } from "../cluster/ingest.js";
import type { PromotionStore } from "../cluster/ports.js";
import type { PromotionObservation } from "../gate/promotion.js";
import { QUEUE_LIMITS } from "../limits.js";
import { listWaitingPullRequests } from "../store/gate-store.js";
import { enqueueJob } from "../store/queue.js";
import type { Queryable } from "../store/store.js";
import type { EventDecision, PlannedJob } from "./events.js";
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
  const installationId = asRecord(payload?.installation)?.id;
  if (typeof installationId !== "number" || !Number.isSafeInteger(installationId) || installationId <= 0) {
    return { action: "reject", event, reason: "the payload names no installation: canary-bot only acts for an installation of the App" };
  }
  const repository = asRecord(payload?.repository);
  const owner = asRecord(repository?.owner)?.login;
  const repo = repository?.name;
  if (typeof owner !== "string" || typeof repo !== "string" || owner === "" || repo === "") return { action: "reject", event, reason: "the payload names no repository" };
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
  for (const job of jobs) await enqueueJob(db, { ...job, maxAttempts: QUEUE_LIMITS.reviewAttempts });
}

/**
 * Applies an observation to its record; when the record changed, queues a gate-evaluate job for
 * every pull request waiting on it. A crash between the two loses nothing that matters: the
 * replayed event (Flagger retries, the watcher re-lists) changes nothing, but the PRs are
 * re-evaluated on their next event, and the record is already right.
 */
export async function ingestAndNotify(params: { store: Queryable; records: PromotionStore; observation: PromotionObservation; wake?: () => void }): Promise<IngestResult & { queued: number }> {
  const result = await ingestObservation(params.records, params.observation);
  if (!result.changed) return { ...result, queued: 0 };
  const waiting = await listWaitingPullRequests(params.store, result.key);
  await enqueueGateJobs(
    params.store,
    waiting.map((pr) => buildGateJob({ installationId: pr.installationId, payload: { owner: pr.owner, repo: pr.repo, number: pr.number } })),
  );
  if (waiting.length > 0) params.wake?.();
  return { ...result, queued: waiting.length };
}

/**
 * Runs ingestions of one Canary one after the other within this process. Writers of one record
 * otherwise race on its version and retry; sixteen events of one Canary in flight (a replayed
 * backlog) could exhaust ingestObservation's attempts and answer 500. Other processes still race,
 * rarely, and the version check keeps that correct.
 */
export function createKeyedSerializer(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, fn) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
