/**
 * Which jobs a webhook delivery asks for (pure). The App answers GitHub as soon as the jobs are
 * recorded; the jobs read everything else from GitHub when they run (the pull request's current
 * head above all), so a delivery's payload is only an address: installation, repository, number.
 */
import { VALIDATION_CHECK_NAME } from "../report/check-run.js";
import type { JobKind } from "../store/queue.js";
import { buildCommentJobs } from "./command-events.js";
import { buildGateJobsForEvent } from "./gate-jobs.js";
import { asRecord, readInstallationRepository } from "./payload.js";

/** The pull_request actions that (re)start a review; `edited` only when the base branch changed. */
export const REVIEW_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review", "edited"] as const;

export interface ReviewJobPayload {
  owner: string;
  repo: string;
  /** The pull request; absent for a re-run of a commit whose pull requests the job looks up. */
  number?: number;
  /** The commit a person asked to re-run (check_run / check_suite rerequested). */
  sha?: string;
  /** A person asked for it: write a new check run even when the result is the same. Only ever true. */
  rerun?: true;
}

export interface PlannedJob {
  kind: JobKind;
  key: string;
  installationId: number;
  payload: Record<string, unknown>;
}

export type EventDecision =
  | { action: "enqueue"; event: string; jobs: PlannedJob[] }
  | { action: "ignore"; event: string; reason: string }
  /** A signed payload canary-bot cannot act on: 400, with the reason. */
  | { action: "reject"; event: string; reason: string };

/** The key of a pull request's review jobs: one waits and one runs at a time, across replicas. */
export function buildReviewJobKey(params: { installationId: number; owner: string; repo: string; number: number }): string {
  return `${params.installationId}/${params.owner}/${params.repo}#${params.number}`;
}

export function buildReviewJob(params: { installationId: number; owner: string; repo: string; number: number; rerun?: boolean }): PlannedJob {
  const payload: ReviewJobPayload = { owner: params.owner, repo: params.repo, number: params.number, ...(params.rerun ? { rerun: true as const } : {}) };
  return { kind: "review", key: buildReviewJobKey(params), installationId: params.installationId, payload: payload as unknown as Record<string, unknown> };
}

export function buildJobsForEvent(params: { name: string; payload: unknown }): EventDecision {
  // Slash commands (issue 13) and the merge gate's pull_request.closed and merge_group events (issue 12).
  if (params.name === "issue_comment") return buildCommentJobs(params);
  return buildGateJobsForEvent(params) ?? buildReviewJobsForEvent(params);
}

function buildReviewJobsForEvent(params: { name: string; payload: unknown }): EventDecision {
  const payload = asRecord(params.payload);
  const action = typeof payload?.action === "string" ? payload.action : undefined;
  const event = action ? `${params.name}.${action}` : params.name;
  const relevant =
    (params.name === "pull_request" && (REVIEW_ACTIONS as readonly string[]).includes(action ?? "")) ||
    ((params.name === "check_run" || params.name === "check_suite") && action === "rerequested");
  if (!relevant) return { action: "ignore", event, reason: "not an event canary-bot acts on" };

  const named = readInstallationRepository(payload);
  if ("missing" in named) return { action: "reject", event, reason: named.missing };
  const { installationId, owner, repo } = named;

  if (params.name === "pull_request") {
    const number = asRecord(payload?.pull_request)?.number ?? payload?.number;
    if (typeof number !== "number" || !Number.isSafeInteger(number) || number <= 0) return { action: "reject", event, reason: "the payload names no pull request" };
    if (action === "edited" && !asRecord(asRecord(payload?.changes)?.base)) return { action: "ignore", event, reason: "an edit that does not change the base branch" };
    return { action: "enqueue", event, jobs: [buildReviewJob({ installationId, owner, repo, number })] };
  }

  const run = asRecord(params.name === "check_run" ? payload?.check_run : payload?.check_suite);
  if (!run) return { action: "reject", event, reason: `the payload has no ${params.name}` };
  if (params.name === "check_run" && run.name !== VALIDATION_CHECK_NAME) return { action: "ignore", event, reason: "a re-run of another check" };
  const sha = run.head_sha;
  if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha)) return { action: "reject", event, reason: "the payload names no head commit" };
  const listed = (Array.isArray(run.pull_requests) ? run.pull_requests : [])
    .map(asRecord)
    .filter((pr) => typeof pr?.number === "number" && asRecord(pr?.head)?.sha === sha)
    .map((pr) => pr!.number as number);
  // The payload lists only pull requests from the same repository; for others the job looks them up.
  if (listed.length === 0) {
    const payloadOut: ReviewJobPayload = { owner, repo, sha, rerun: true };
    return { action: "enqueue", event, jobs: [{ kind: "review", key: `${installationId}/${owner}/${repo}@${sha}`, installationId, payload: payloadOut as unknown as Record<string, unknown> }] };
  }
  return { action: "enqueue", event, jobs: listed.map((number) => buildReviewJob({ installationId, owner, repo, number, rerun: true })) };
}

