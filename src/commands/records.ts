/**
 * The data slash commands and Flagger's gate calls work on: a Canary's identity, a run as the
 * promotion records know it, and the records canary-bot stores for every command decision and
 * every gate call (the audit trail). Types and key builders only. Pure.
 */
import type { CommandVerb, GateHook } from "./verbs.js";

/** A Canary everywhere in canary-bot: its environment, cluster, namespace and name (DESIGN.md, Architecture). */
export interface CanaryIdentity {
  environment: string;
  cluster: string;
  namespace: string;
  name: string;
}

/**
 * One analysis of a Canary in a cluster, from the promotion records (Flagger events or the
 * Kubernetes API). `revision` is the workload's images, normalised by the records
 * (`name=image:tag,…`), compared as an opaque string; Flagger's checksum cannot identify it
 * (docs/flagger-scheduler.md §4.3: confirm-rollout carries the previous revision's checksum).
 */
export interface CanaryRun {
  /** Stable id of the run in the store. */
  id: string;
  cluster: string;
  namespace: string;
  name: string;
  /** null when no source says which revision the run rolls out. */
  revision: string | null;
  /** Push-only setups attribute a run to the revision merged last; true when that was a guess between several. */
  revisionAmbiguous: boolean;
  /**
   * The checksum Flagger sends with this run's in-run hooks, when Flagger's events showed it
   * (PromotionRun.checksum); null when unknown.
   */
  checksum: string | null;
  /** Flagger's phase last seen (Waiting, Progressing, WaitingPromotion, …). */
  phase: string;
  startedAt: string;
  /** When the run reached Succeeded or Failed, or was superseded by a newer revision. */
  endedAt: string | null;
}

export type CommandOutcome = "accepted" | "refused";

/**
 * What canary-bot stores for each command it read, per Canary it applies to (a command without a
 * Canary, such as help, has one record with `canary` null). An accepted record of a gate verb is an
 * approval: it opens its hook for its run, and only that run.
 */
export interface CommandRecord {
  /** Idempotency key: the same comment read twice (a redelivered webhook) gives the same keys. */
  key: string;
  verb: CommandVerb;
  /** The Flagger gate an approval opens; null for other verbs. */
  hook: GateHook | null;
  outcome: CommandOutcome;
  /** Why it was refused, for people; null when accepted. */
  refusal: string | null;
  /** Why it was allowed (who granted the right); null when refused. */
  grounds: string | null;
  actor: string;
  /** When the comment was written (ISO 8601). */
  at: string;
  /** `owner/name` */
  repository: string;
  pullRequest: number;
  commentId: number;
  line: number;
  headSha: string;
  canary: CanaryIdentity | null;
  runId: string | null;
  revision: string | null;
  /** hold and skip-gate reasons. */
  reason: string | null;
  /** The first time a gate call was opened by this approval. */
  consumedAt: string | null;
  /** Set when a push or a newer run made the approval void. */
  invalidatedAt: string | null;
  invalidation: string | null;
}

/** A gate call Flagger made and the answer canary-bot gave, stored for the audit trail. */
export interface GateCallRecord {
  at: string;
  cluster: string;
  /** As written in the URL, even when it is not a hook canary-bot knows. */
  hook: string;
  namespace: string | null;
  name: string | null;
  phase: string | null;
  checksum: string | null;
  runId: string | null;
  status: 200 | 403;
  code: string;
  reason: string;
  /** The approval that opened the gate. */
  approvalKey: string | null;
}

/** The key of one command: a comment id is unique across GitHub, a line within the comment. */
export function buildCommandKey(params: { commentId: number; line: number }): string {
  return `comment/${params.commentId}/line/${params.line}`;
}

/** The key of a command's record for one Canary (or for none). */
export function buildRecordKey(params: { commentId: number; line: number; canary: CanaryIdentity | null }): string {
  const base = buildCommandKey(params);
  const c = params.canary;
  return c ? `${base}/${c.cluster}/${c.namespace}/${c.name}` : base;
}

/** `test/podinfo in staging` */
export function describeCanary(canary: Pick<CanaryIdentity, "environment" | "namespace" | "name">): string {
  return `${canary.namespace}/${canary.name} in ${canary.environment}`;
}

export function sameCanary(a: Pick<CanaryIdentity, "cluster" | "namespace" | "name">, b: Pick<CanaryIdentity, "cluster" | "namespace" | "name">): boolean {
  return a.cluster === b.cluster && a.namespace === b.namespace && a.name === b.name;
}

/**
 * Adds records by key, keeping the one already stored: reading the same comment twice (GitHub
 * redelivers with the same comment id) changes nothing. The same rule as the store's
 * `INSERT … ON CONFLICT (key) DO NOTHING`.
 */
export function mergeCommandRecords(existing: readonly CommandRecord[], incoming: readonly CommandRecord[]): { records: CommandRecord[]; added: CommandRecord[] } {
  const keys = new Set(existing.map((r) => r.key));
  const added: CommandRecord[] = [];
  for (const record of incoming) {
    if (keys.has(record.key)) continue;
    keys.add(record.key);
    added.push(record);
  }
  return { records: [...existing, ...added], added };
}
