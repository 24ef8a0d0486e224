/**
 * Use case: the merge gate (issue 12, docs/merge-gate.md). A `gate-evaluate` job for a pull request
 * (after its review, when a record it waits on changed, on merge or close) or for a merge group:
 *
 * - read (after a review): the PR's Canaries at its head, from the default branch's environments,
 *   kept in the store with the records they wait on, so a record change re-decides from the store
 *   alone (no re-read of the repository);
 * - merged: the merged revision goes into the records of its environments (push-only clusters
 *   attribute their next run to it), and the rollout is followed with a `canary/rollout` commit
 *   status on the merge commit until it succeeds or fails;
 * - open: decideMergeGate with the records and `now`, written as the `canary/promotion` check run
 *   of the head SHA — found and updated in place, never sent twice with the same content;
 * - merge group: answered at once from the decisions of its pull requests (never pending).
 *
 * One job key per pull request: one process evaluates a PR at a time, and a change that arrives
 * while it runs queues the next evaluation, so no update is lost.
 */
import { createHash } from "node:crypto";
import { parseRepositoryConfig } from "../config/parse.js";
import type { EnvironmentConfig } from "../config/schema.js";
import type { ChangedCanary as ApprovableCanary } from "../gate/authorize.js";
import { buildChangedCanaries } from "../gate/changed-canaries.js";
import { buildRevision } from "../gate/current-run.js";
import { buildMergeObservations, decideMergeGate, decideMergeGroup, listGateRecordKeys, type ChangedCanary } from "../gate/merge-gate.js";
import type { PromotionObservation } from "../gate/promotion.js";
import { PROMOTION_CHECK_NAME, renderPromotionCheck, type PromotionCheckOutput } from "../gate/render-promotion.js";
import { decideMergedRollout, renderRolloutCommitStatus } from "../gate/rollout.js";
import {
  getGatedPullRequest,
  getGateOutput,
  listGateCommands,
  markPullRequestClosed,
  markPullRequestMerged,
  recordGateDecision,
  recordRolloutReport,
  replaceWaitingKeys,
  upsertGatedPullRequest,
  upsertGateOutput,
  type GatedPullRequest,
  type PullRequestRef,
} from "../store/gate-store.js";
import { ensurePullRequestCanaries } from "../store/approvals.js";
import { getPromotionRecords } from "../store/promotion-store.js";
import type { Job } from "../store/queue.js";
import type { JobContext, JobHandler, JobOutcome } from "../store/runner.js";
import type { Queryable } from "../store/store.js";
import { enqueueCommentJobs } from "./comment-job.js";
import type { GateJobPayload } from "./gate-jobs.js";
import type { GatePort } from "./gate-port.js";
import type { Log, RepositoryRef } from "./port.js";
import { fetchPullRequestFiles } from "./review-input.js";
import { logJobFailure } from "./job-retry.js";
import { getReviewInputOfFetched } from "./review-task.js";

export interface PromotionGateDependencies {
  store: Queryable;
  /** Applies an observation and queues the evaluations it asks for (createGateIngest: the events' group commit). */
  ingest(observation: PromotionObservation): Promise<unknown>;
  getPort(params: { installationId: number; repository: RepositoryRef }): Promise<GatePort>;
  /** The gate's clock (pure decisions take time as an argument). */
  now(): number;
  log: Log;
  /** Tells this process's runner that jobs were queued. */
  wake?(): void;
  /** Called after each write to GitHub (metrics, tests). */
  onWrite?(params: { kind: "check-created" | "check-updated" | "status"; owner: string; repo: string; sha: string }): void;
}

export type GateJobResult = "evaluated" | "unchanged" | "no-gate" | "closed" | "merge-group";

export function createPromotionGateJobHandler(deps: PromotionGateDependencies): JobHandler {
  return async (job: Job, context: JobContext): Promise<JobOutcome> => {
    const payload = job.payload as unknown as GateJobPayload;
    const meta = { repo: `${payload.owner}/${payload.repo}`, pr: payload.number ?? null, job: job.id, attempt: job.attempts + 1 };
    try {
      await runPromotionGateJob({ deps, installationId: job.installationId, payload });
      return { outcome: "done" };
    } catch (error) {
      return logJobFailure({ error, context, log: deps.log, fields: meta, what: "merge gate evaluation" }).outcome;
    }
  };
}

export async function runPromotionGateJob(params: { deps: PromotionGateDependencies; installationId: number; payload: GateJobPayload }): Promise<GateJobResult> {
  const { deps, installationId, payload } = params;
  const repository = { owner: payload.owner, repo: payload.repo };
  const port = await deps.getPort({ installationId, repository });
  if (payload.mergeGroup) {
    await answerMergeGroup({ deps, port, ...payload.mergeGroup });
    if (payload.number === undefined) return "merge-group";
  }
  if (payload.number === undefined) return "no-gate";
  const ref: PullRequestRef = { ...repository, number: payload.number };
  if (payload.closed && !payload.merged) {
    await markPullRequestClosed(deps.store, ref);
    await replaceWaitingKeys(deps.store, { ...ref, installationId, keys: [] });
    return "closed";
  }
  let subject = await getGatedPullRequest(deps.store, ref);
  if (payload.reviewed || payload.read || (payload.merged && !subject)) {
    // The review's findings for the gate; a read of the repository only for a PR no review reported.
    const read = payload.reviewed ?? (await readPullRequestCanaries({ port, number: payload.number, log: deps.log }));
    if (read === null) return "no-gate";
    await upsertGatedPullRequest(deps.store, { ...ref, installationId, headSha: read.headSha, state: subject?.state === "merged" ? "merged" : "open", environments: read.environments, canaries: read.canaries });
    // What slash commands may approve (issue 13): the same Canaries, bound to this head and revision.
    await ensurePullRequestCanaries(deps.store, { repository: `${ref.owner}/${ref.repo}`, pullRequest: ref.number, headSha: read.headSha, canaries: buildApprovableCanaries(read) });
    subject = await getGatedPullRequest(deps.store, ref);
  }
  if (!subject) return "no-gate";
  if (payload.merged && subject.state !== "merged") {
    // The merged revision, in the records of the environments it changes (before the state flips:
    // a retry after a crash records it again, which changes nothing).
    for (const observation of buildMergeObservations({ environments: subject.environments, canaries: subject.canaries, pullRequest: ref.number, mergeSha: payload.merged.sha, mergedAt: payload.merged.at })) {
      await deps.ingest(observation);
    }
    await markPullRequestMerged(deps.store, { ...ref, mergeSha: payload.merged.sha, mergedAt: payload.merged.at });
    subject = (await getGatedPullRequest(deps.store, ref))!;
  }
  return subject.state === "merged" ? followRollout({ deps, port, subject }) : subject.state === "open" ? evaluatePullRequest({ deps, port, subject }) : "closed";
}

/** The Canaries a `/canary` command on this pull request may name: those in an environment with a cluster. */
function buildApprovableCanaries(read: { environments: readonly EnvironmentConfig[]; canaries: readonly ChangedCanary[] }): ApprovableCanary[] {
  const clusters = new Map(read.environments.map((e) => [e.name, e.cluster] as const));
  return read.canaries.flatMap((c) => {
    const cluster = c.environment === null ? undefined : clusters.get(c.environment);
    if (c.environment === null || cluster === undefined || c.change === "removed") return [];
    return [{ canary: { environment: c.environment, cluster, namespace: c.namespace, name: c.name }, revision: c.images.length > 0 ? buildRevision(c.images) : null, gates: null }];
  });
}

/** The pull request's Canaries at its current head; null when there is nothing to gate (gone, no environments, invalid config). */
async function readPullRequestCanaries(params: { port: GatePort; number: number; log: Log }): Promise<{ headSha: string; environments: EnvironmentConfig[]; canaries: ChangedCanary[] } | null> {
  const reader = params.port.reader;
  // The config first: a repository without environments does not use the gate, and costs one request.
  const file = await params.port.getDefaultBranchConfigText();
  if (file === null || file.kind !== "text") return null;
  const config = parseRepositoryConfig(file.text);
  // An invalid config is reported by the canary/validation check; no environments: the gate is not in use.
  if (!config.ok || config.config.environments.length === 0) return null;
  const pull = await reader.getPullRequest({ pullNumber: params.number });
  if (!pull) return null;
  const read = await fetchPullRequestFiles({ port: reader, pullRequest: { number: pull.number, headSha: pull.headSha, baseSha: pull.baseSha }, config: config.config });
  // The head moved on while reading: its own review queues the next read.
  if (read.status === "stale") return null;
  const environments = config.config.environments;
  // The same input the review had: built with kustomize where the repository has builds (rendered images).
  const { input } = await getReviewInputOfFetched(read.fetched, environments);
  return { headSha: pull.headSha, environments, canaries: buildChangedCanaries({ input, environments }) };
}

async function evaluatePullRequest(params: { deps: PromotionGateDependencies; port: GatePort; subject: GatedPullRequest }): Promise<GateJobResult> {
  const { deps, port, subject } = params;
  const keys = listGateRecordKeys({ environments: subject.environments, canaries: subject.canaries });
  // The index before the records: a record that changes from here on queues the next evaluation.
  await replaceWaitingKeys(deps.store, { ...subject, keys });
  const [records, commands] = await Promise.all([getPromotionRecords(deps.store, keys), listGateCommands(deps.store, subject)]);
  const decision = decideMergeGate({ environments: subject.environments, headSha: subject.headSha, canaries: subject.canaries, records, decisions: commands, now: deps.now() });
  await recordGateDecision(deps.store, { ...subject, decision });
  const written = await ensurePromotionCheck({ deps, port, headSha: subject.headSha, pullNumber: subject.number, output: renderPromotionCheck(decision) });
  // The comment's Promotion section follows the check: redrawn when the check changed.
  if (written !== "unchanged") await queueCommentRedraw(deps, subject);
  deps.log.info({ repo: `${subject.owner}/${subject.repo}`, pr: subject.number, sha: subject.headSha, verdict: decision.verdict, check: written }, "merge gate evaluated");
  return written === "unchanged" ? "unchanged" : "evaluated";
}

async function followRollout(params: { deps: PromotionGateDependencies; port: GatePort; subject: GatedPullRequest }): Promise<GateJobResult> {
  const { deps, port, subject } = params;
  if (!subject.mergeSha) return "no-gate";
  const environments = new Map(subject.environments.map((e) => [e.name, e] as const));
  const followed = subject.canaries.filter((c) => c.environment !== null && environments.get(c.environment)?.previewOf === undefined && c.newRevision && c.change !== "removed");
  const keys = followed.map((c) => ({ cluster: environments.get(c.environment!)!.cluster, namespace: c.namespace, name: c.name }));
  // The index before the records (as for open pull requests); dropped once the rollout ended.
  await replaceWaitingKeys(deps.store, { ...subject, keys });
  const records = await getPromotionRecords(deps.store, keys);
  const report = decideMergedRollout({ environments: subject.environments, canaries: subject.canaries, records });
  if (report.verdict !== "pending") await replaceWaitingKeys(deps.store, { ...subject, keys: [] });
  const status = renderRolloutCommitStatus(report);
  const digest = digestOf(status);
  const where = { owner: subject.owner, repo: subject.repo, sha: subject.mergeSha, name: status.context };
  if ((await getGateOutput(deps.store, where))?.digest === digest) return "unchanged";
  await port.createCommitStatus({ sha: subject.mergeSha, ...status });
  await upsertGateOutput(deps.store, { ...where, pullNumber: subject.number, checkRunId: null, digest });
  deps.onWrite?.({ kind: "status", owner: subject.owner, repo: subject.repo, sha: subject.mergeSha });
  // The merged pull request's "Rollout" section says what the status says, with a row per Canary.
  await recordRolloutReport(deps.store, { ...subject, rollout: report });
  await queueCommentRedraw(deps, subject);
  return "evaluated";
}

async function answerMergeGroup(params: { deps: PromotionGateDependencies; port: GatePort; headSha: string; pullRequests: number[] }): Promise<void> {
  const { deps, port } = params;
  const { owner, repo } = port.repository;
  const subjects = await Promise.all(params.pullRequests.map(async (number) => ({ number, subject: await getGatedPullRequest(deps.store, { owner, repo, number }) })));
  // A repository without environments does not use the gate: its merge groups get no check from us.
  if (subjects.every((s) => s.subject === null) && !(await usesGate(port))) return;
  const pullRequests = subjects.map(({ number, subject }) => ({ number, decision: subject?.decision ?? null }));
  const decision = decideMergeGroup({ pullRequests, now: deps.now() });
  await ensurePromotionCheck({ deps, port, headSha: params.headSha, pullNumber: null, output: renderPromotionCheck(decision) });
}

async function usesGate(port: GatePort): Promise<boolean> {
  const file = await port.getDefaultBranchConfigText();
  if (file === null || file.kind !== "text") return false;
  const config = parseRepositoryConfig(file.text);
  return config.ok && config.config.environments.length > 0;
}

/** One canary/promotion check run per head SHA: the stored one, else ours on GitHub, else a new one. */
async function ensurePromotionCheck(params: { deps: PromotionGateDependencies; port: GatePort; headSha: string; pullNumber: number | null; output: PromotionCheckOutput }): Promise<"created" | "updated" | "unchanged"> {
  const { deps, port, headSha, output } = params;
  const { owner, repo } = port.repository;
  const where = { owner, repo, sha: headSha, name: PROMOTION_CHECK_NAME };
  // The footer's evaluation time alone is no reason to write again.
  const digest = digestOf({ ...output, summary: output.summary.replace(/Evaluated \S+ from/, "Evaluated from") });
  const stored = await getGateOutput(deps.store, where);
  if (stored?.digest === digest) return "unchanged";
  const id = stored?.checkRunId ?? (await port.findCheckRun({ headSha, name: PROMOTION_CHECK_NAME }))?.id ?? null;
  let written: "created" | "updated";
  let checkRunId: number;
  if (id !== null) {
    await port.updatePromotionCheckRun({ checkRunId: id, output });
    [written, checkRunId] = ["updated", id];
  } else {
    checkRunId = (await port.createPromotionCheckRun({ headSha, output })).id;
    written = "created";
  }
  await upsertGateOutput(deps.store, { ...where, pullNumber: params.pullNumber, checkRunId, digest });
  deps.onWrite?.({ kind: written === "created" ? "check-created" : "check-updated", owner, repo, sha: headSha });
  return written;
}

async function queueCommentRedraw(deps: PromotionGateDependencies, subject: GatedPullRequest): Promise<void> {
  await enqueueCommentJobs(deps.store, [{ installationId: subject.installationId, owner: subject.owner, repo: subject.repo, number: subject.number }]);
  deps.wake?.();
}

function digestOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}
