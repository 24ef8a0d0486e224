/**
 * Shared facts for the authorization and gate-call tests: a GitOps repository with staging
 * (no approvers), production (approvers alice and team acme/sre) and preview (self-approval
 * allowed), the real issue_comment payload on a pull request, and a pipeline that runs a comment
 * through parse → resolve → authorize → records → Flagger's gate call, as the App will.
 */
import { readFileSync } from "node:fs";
import type { CanaryIdentity, CanaryRun, CommandRecord } from "../../src/commands/records.js";
import { mergeCommandRecords } from "../../src/commands/records.js";
import { GATE_HOOKS, type GateHook } from "../../src/commands/verbs.js";
import { repositoryConfigSchema } from "../../src/config/schema.js";
import {
  decideComment,
  readCommentEventFacts,
  type ActorFacts,
  type CommentEventFacts,
  type IssueCommentPayload,
  type PullRequestFacts,
} from "../../src/gate/authorize.js";
import { buildPullRequestKey, decideGateCall, parseGateCall, type GateCallOutcome, type GateDecision } from "../../src/gate/gate-call.js";

export const REPOSITORY = "Codertocat/Hello-World";
export const OWNER = "Codertocat";
export const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const NEW_HEAD = "f00dfacef00dfacef00dfacef00dfacef00dface";
export const REVISION = "podinfo=ghcr.io/stefanprodan/podinfo:6.5.1";

export const environments = repositoryConfigSchema.parse({
  environments: [
    { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
    {
      name: "production",
      paths: ["clusters/production/**"],
      cluster: "prod-eu",
      promotedIn: "staging",
      approvers: { users: ["alice"], teams: ["sre", "other-org/release"] },
    },
    { name: "preview", paths: ["clusters/preview/**"], cluster: "preview", previewOf: "pull-requests", approvers: { users: ["carol", "Codertocat"], allowSelfApproval: true } },
  ],
}).environments;

export const production: CanaryIdentity = { environment: "production", cluster: "prod-eu", namespace: "test", name: "podinfo" };
export const staging: CanaryIdentity = { environment: "staging", cluster: "staging", namespace: "test", name: "podinfo" };
export const preview: CanaryIdentity = { environment: "preview", cluster: "preview", namespace: "test", name: "podinfo" };

export function runOf(canary: CanaryIdentity, overrides: Partial<CanaryRun> = {}): CanaryRun {
  return {
    id: `${canary.cluster}/${canary.namespace}/${canary.name}#1`,
    cluster: canary.cluster,
    namespace: canary.namespace,
    name: canary.name,
    revision: REVISION,
    revisionAmbiguous: false,
    checksum: null,
    phase: "WaitingPromotion",
    startedAt: "2026-11-29T10:00:00Z",
    endedAt: null,
    ...overrides,
  };
}

export const commentOnPullRequest = JSON.parse(readFileSync("fixtures/events/issue_comment.created.pull-request.json", "utf8")) as IssueCommentPayload & {
  repository: { full_name: string; owner: { login: string } };
};
export const commentOnIssue = JSON.parse(readFileSync("fixtures/events/issue_comment.created.json", "utf8")) as IssueCommentPayload;
export const editedComment = JSON.parse(readFileSync("fixtures/events/issue_comment.edited.pull-request.json", "utf8")) as IssueCommentPayload;

/** The comment payload with another author and body. */
export function commentBy(login: string, body: string, overrides: { type?: string; payload?: IssueCommentPayload; id?: number; at?: string } = {}): IssueCommentPayload {
  const base = overrides.payload ?? commentOnPullRequest;
  const at = overrides.at ?? "2026-11-29T10:05:00Z";
  return {
    ...base,
    comment: { ...base.comment, body, id: overrides.id ?? base.comment.id, created_at: at, updated_at: base === editedComment ? "2026-11-29T10:06:00Z" : at, user: { login, type: overrides.type ?? "User" } },
  };
}

export const pullRequest: PullRequestFacts = { number: 1, author: "Codertocat", fork: false, headSha: HEAD, headPushedAt: "2026-11-29T09:00:00Z" };

export function actor(login: string, permission: ActorFacts["permission"] = "write", teams: string[] = []): ActorFacts {
  return { login, permission, teams };
}

export interface Scenario {
  event?: string;
  payload: IssueCommentPayload;
  actor: ActorFacts;
  pullRequest?: PullRequestFacts;
  /** The Canaries the pull request changes, with the revision it declares. */
  canaries?: ReadonlyArray<{ canary: CanaryIdentity; revision?: string | null; gates?: readonly GateHook[] | null }>;
  runs?: readonly CanaryRun[];
}

export interface CommandOutcome {
  event: CommentEventFacts;
  records: CommandRecord[];
  /** Refusals of the parser and of target resolution, as text. */
  errors: string[];
}

/** A comment through parse → resolve → authorize → records (decideComment, as the App will call it). */
export function runComment(scenario: Scenario): CommandOutcome {
  const event = readCommentEventFacts(scenario.event ?? "issue_comment", scenario.payload);
  const decision = decideComment({
    event,
    body: scenario.payload.comment.body,
    pullRequest: scenario.pullRequest ?? pullRequest,
    repository: REPOSITORY,
    repositoryOwner: OWNER,
    environments,
    actor: scenario.actor,
    canaries: (scenario.canaries ?? [{ canary: production }]).map((c) => ({
      canary: c.canary,
      revision: c.revision === undefined ? REVISION : c.revision,
      gates: c.gates === undefined ? GATE_HOOKS : c.gates,
    })),
    runs: scenario.runs ?? [],
  });
  const errors = decision.errors.map((e) => `${e.code}: ${e.message}`);
  // A comment ignored as a whole leaves no record; its reason is what the App would log.
  if (decision.ignored && !decision.ignored.allowed) errors.push(decision.ignored.reason);
  return { event, records: decision.records, errors };
}

/** Flagger calls a gate with what it sends: the Canary's name and namespace, the phase, the checksum. */
export function callGate(params: {
  cluster: string;
  hook: string;
  canary?: Pick<CanaryIdentity, "namespace" | "name">;
  phase?: string;
  records: readonly CommandRecord[];
  run: CanaryRun | null;
  heads?: ReadonlyArray<[number, string]>;
  knownClusters?: readonly string[];
  body?: unknown;
}): GateCallOutcome | { decision: GateDecision; consume?: undefined } {
  const canary = params.canary ?? production;
  const body = params.body ?? { name: canary.name, namespace: canary.namespace, phase: params.phase ?? defaultPhase(params.hook), checksum: "85d557f47b", metadata: { from: "flagger" } };
  const parsed = parseGateCall({ cluster: params.cluster, hook: params.hook, body, knownClusters: params.knownClusters ?? ["staging", "prod-eu", "preview"] });
  if (!parsed.ok) return { decision: parsed.decision };
  const heads = new Map((params.heads ?? [[1, HEAD]]).map(([n, sha]) => [buildPullRequestKey(REPOSITORY, n), sha] as const));
  return decideGateCall({ call: parsed.call, run: params.run, records: params.records, currentHeads: heads, now: "2026-11-29T10:10:00Z" });
}

function defaultPhase(hook: string): string {
  return hook === "confirm-rollout" ? "Waiting" : hook === "rollback" ? "WaitingPromotion" : "Progressing";
}

/** Merges the records of several comments as the store does (first write wins per key). */
export function storeAll(...batches: CommandRecord[][]): CommandRecord[] {
  return batches.reduce<CommandRecord[]>((stored, batch) => mergeCommandRecords(stored, batch).records, []);
}
