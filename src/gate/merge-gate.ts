/**
 * The merge gate's decision (DESIGN.md "Merge gate"): per changed Canary and for the pull
 * request, from the repository's environments, the Canaries the PR changes (as the build renders
 * them), the promotion records, the recorded `/canary skip-gate` and `hold` decisions, and `now`.
 * Pure: no I/O, no clock.
 *
 * Flagger promotes after a change is applied, so a PR never waits for its own promotion: it waits
 * for the same images to be promoted in the environment named by `promotedIn`, or, in a
 * `previewOf: pull-requests` environment, for its own head to be promoted in the preview cluster.
 */
import type { EnvironmentConfig } from "../config/schema.js";
import { ACTIVE_PHASES, type CanaryKey, type CanaryPhase } from "./flagger-event.js";
import { findActiveRun, normalizeImages, runCarriesImages, type PromotionObservation, type PromotionRecord, type PromotionRun } from "./promotion.js";

/** One Canary the pull request changes, as rendered by the build for the PR's head (one per environment). */
export interface ChangedCanary {
  /** The environment whose paths hold its manifest; null when no environment matches. */
  environment: string | null;
  namespace: string;
  name: string;
  change: "added" | "removed" | "changed" | "unchanged";
  /** True when applying the change makes Flagger start an analysis (a new pod template or tracked config). */
  newRevision: boolean;
  /** The workload's images after the change, rendered: `name:tag` or `name@digest`. */
  images: string[];
  /**
   * The same Canary in the `promotedIn` environment, as rendered from the default branch: null when
   * that environment has none (the rule cannot apply), absent when unknown (same namespace and name
   * are assumed).
   */
  counterpart?: { namespace: string; name: string } | null;
}

/** A recorded `/canary skip-gate`, `hold` or `unhold` on the pull request. */
export interface RecordedGateDecision {
  kind: "skip-gate" | "hold" | "unhold";
  actor: string;
  reason: string;
  at: number;
  /** The head the command was given on: a skip-gate holds for that head only (a new push needs a new one). */
  headSha: string;
}

export type GateVerdict = "pending" | "success" | "failure";

/** Progress of the run that keeps a Canary pending. */
export interface RunProgress {
  phase: CanaryPhase;
  canaryWeight: number;
  iterations: number;
  startedAt: number;
}

/** Another revision is rolling out for this Canary in its own environment right now. */
export interface CanaryLock {
  cluster: string;
  progress: RunProgress;
  /** The merged PR whose revision is rolling out, when known. */
  pullRequest: number | null;
}

export interface CanaryGate {
  environment: string | null;
  cluster: string | null;
  namespace: string;
  name: string;
  verdict: GateVerdict;
  rule: "promoted-in" | "preview" | "none";
  /** Where the rule looks: the promotedIn environment, or the preview environment itself. */
  target: { environment: string; cluster: string } | null;
  /** One line of plain text (rendering escapes it). */
  reason: string;
  /** The run in the target environment that keeps it pending, if any. */
  progress: RunProgress | null;
  lock: CanaryLock | null;
}

export interface GateOverride {
  kind: "skip-gate" | "hold";
  actor: string;
  reason: string;
  at: number;
}

export interface GateDecision {
  verdict: GateVerdict;
  /** One line of plain text. */
  reason: string;
  canaries: CanaryGate[];
  override: GateOverride | null;
  evaluatedAt: number;
}

export function decideMergeGate(params: {
  environments: readonly EnvironmentConfig[];
  headSha: string;
  canaries: readonly ChangedCanary[];
  records: readonly PromotionRecord[];
  decisions: readonly RecordedGateDecision[];
  now: number;
}): GateDecision {
  const environments = new Map(params.environments.map((e) => [e.name, e] as const));
  const findRecord = (cluster: string, namespace: string, name: string) =>
    params.records.find((r) => r.cluster === cluster && r.namespace === namespace && r.name === name);
  const canaries = [...params.canaries]
    .sort((a, b) => (a.environment ?? "").localeCompare(b.environment ?? "") || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
    .map((canary) => decideCanary({ canary, environments, findRecord }));
  const override = findOverride(params.decisions, params.headSha);
  if (override?.kind === "hold") {
    return { verdict: "pending", reason: `held by ${override.actor}: ${override.reason}`, canaries, override, evaluatedAt: params.now };
  }
  if (override?.kind === "skip-gate") {
    return { verdict: "success", reason: `gate skipped by ${override.actor}: ${override.reason}`, canaries, override, evaluatedAt: params.now };
  }
  return { ...summarize(canaries), canaries, override: null, evaluatedAt: params.now };
}

/** The latest hold stands until an unhold; a skip-gate counts for the head it was given on. */
function findOverride(decisions: readonly RecordedGateDecision[], headSha: string): GateOverride | null {
  const sorted = [...decisions].sort((a, b) => a.at - b.at);
  let hold: RecordedGateDecision | null = null;
  let skip: RecordedGateDecision | null = null;
  for (const d of sorted) {
    if (d.kind === "hold") hold = d;
    else if (d.kind === "unhold") hold = null;
    else if (d.headSha === headSha) skip = d;
  }
  const pick = hold ?? skip;
  return pick ? { kind: pick.kind as GateOverride["kind"], actor: pick.actor, reason: pick.reason, at: pick.at } : null;
}

function summarize(canaries: readonly CanaryGate[]): { verdict: GateVerdict; reason: string } {
  const failed = canaries.filter((c) => c.verdict === "failure");
  const pending = canaries.filter((c) => c.verdict === "pending");
  const name = (c: CanaryGate) => `${c.environment ?? "?"}/${c.namespace}/${c.name}`;
  if (canaries.length === 0) return { verdict: "success", reason: "the pull request changes no Canary; no promotion rule applies" };
  if (failed.length > 0) return { verdict: "failure", reason: failed.length === 1 ? `${name(failed[0]!)}: ${failed[0]!.reason}` : `${failed.length} Canaries failed where they had to be promoted` };
  if (pending.length > 0) return { verdict: "pending", reason: pending.length === 1 ? `${name(pending[0]!)}: ${pending[0]!.reason}` : `waiting for ${pending.length} Canaries` };
  const ruled = canaries.filter((c) => c.rule !== "none");
  if (ruled.length === 0) return { verdict: "success", reason: canaries.length === 1 ? canaries[0]!.reason : "no promotion rule applies to the changed Canaries" };
  return { verdict: "success", reason: ruled.length === 1 ? `${name(ruled[0]!)}: ${ruled[0]!.reason}` : `all ${ruled.length} Canaries with a rule were promoted where required` };
}

function decideCanary(params: {
  canary: ChangedCanary;
  environments: ReadonlyMap<string, EnvironmentConfig>;
  findRecord: (cluster: string, namespace: string, name: string) => PromotionRecord | undefined;
}): CanaryGate {
  const { canary, environments, findRecord } = params;
  const environment = canary.environment === null ? undefined : environments.get(canary.environment);
  const gate = (fields: Partial<CanaryGate> & Pick<CanaryGate, "verdict" | "reason">): CanaryGate => ({
    environment: canary.environment,
    cluster: environment?.cluster ?? null,
    namespace: canary.namespace,
    name: canary.name,
    rule: "none",
    target: null,
    progress: null,
    lock: null,
    ...fields,
  });
  if (!environment) {
    const reason =
      canary.environment === null
        ? "its manifest is in no environment of .github/canary-bot.yml; no promotion rule applies"
        : `environment "${canary.environment}" is not configured; no promotion rule applies`;
    return gate({ verdict: "success", reason });
  }
  if (canary.change === "removed") return gate({ verdict: "success", reason: "the Canary is removed; there is nothing to promote" });
  if (canary.change === "unchanged") return gate({ verdict: "success", reason: "the Canary is unchanged" });
  if (!canary.newRevision) return gate({ verdict: "success", reason: "no new revision: Flagger starts no analysis for this change" });

  if (environment.previewOf === "pull-requests") {
    const target = { environment: environment.name, cluster: environment.cluster };
    const record = findRecord(environment.cluster, canary.namespace, canary.name);
    return gate({ rule: "preview", target, ...judgeRevision({ record, images: canary.images, where: `preview environment ${environment.name}`, cluster: environment.cluster }) });
  }

  const lock = findLock(findRecord(environment.cluster, canary.namespace, canary.name));
  const lockReason = lock
    ? `a rollout is in progress in ${environment.name} (${describeProgress(lock.progress)}` +
      `${lock.pullRequest ? `, from #${lock.pullRequest}` : ""}); merging now would supersede it`
    : null;

  if (environment.promotedIn === undefined) {
    if (lock) return gate({ verdict: "pending", reason: lockReason!, lock });
    return gate({ verdict: "success", reason: `environment ${environment.name} has no promotedIn rule; nothing to wait for` });
  }
  const other = environments.get(environment.promotedIn);
  if (!other) return gate({ verdict: "success", reason: `promotedIn names "${environment.promotedIn}", which is not configured; no promotion rule applies` });
  const target = { environment: other.name, cluster: other.cluster };
  if (canary.counterpart === null) {
    return gate({ verdict: lock ? "pending" : "success", target, lock, reason: lockReason ?? `${other.name} has no such Canary; the promotedIn rule does not apply to it` });
  }
  const where = canary.counterpart ?? { namespace: canary.namespace, name: canary.name };
  const judged = judgeRevision({ record: findRecord(other.cluster, where.namespace, where.name), images: canary.images, where: other.name, cluster: other.cluster });
  if (judged.verdict === "success" && lock) return gate({ rule: "promoted-in", target, verdict: "pending", reason: lockReason!, lock, progress: null });
  return gate({ rule: "promoted-in", target, lock, ...judged });
}

/** Was this revision (its images) promoted in that cluster? The latest run carrying them decides. */
export function judgeRevision(params: { record: PromotionRecord | undefined; images: readonly string[]; where: string; cluster: string }): Pick<CanaryGate, "verdict" | "reason" | "progress"> {
  const { record, where, cluster } = params;
  const images = normalizeImages(params.images);
  if (images.length === 0) {
    return { verdict: "pending", reason: "the build found no images for its workload, so its revision cannot be matched; a person may /canary skip-gate", progress: null };
  }
  const shown = images.join(", ");
  if (!record) return { verdict: "pending", reason: `waiting for ${shown} to be promoted in ${where}: cluster ${cluster} has reported nothing for this Canary yet`, progress: null };
  const carrying = record.runs.filter((r) => runCarriesImages(r, images));
  const latest = carrying[carrying.length - 1];
  if (latest) {
    switch (latest.outcome) {
      case "succeeded":
        return { verdict: "success", reason: `${shown} promoted in ${where}${describeAttribution(latest)}`, progress: null };
      case "failed":
        return { verdict: "failure", reason: `${shown} failed its analysis in ${where}`, progress: null };
      case "active":
        return { verdict: "pending", reason: `${shown} is being analysed in ${where}: ${describeProgress(toProgress(latest))}`, progress: toProgress(latest) };
      case "superseded":
        return { verdict: "pending", reason: `${shown} was superseded in ${where} by a newer revision before it finished; it was never promoted there`, progress: null };
    }
  }
  const active = findActiveRun(record);
  if (active && active.attribution.kind !== "cluster" && active.attribution.kind !== "merge") {
    const progress = toProgress(active);
    const reason = `${where} is analysing a revision that cannot be attributed (${active.attribution.reason}): ${describeProgress(progress)}`;
    return { verdict: "pending", reason, progress };
  }
  const unattributed = [...record.runs].reverse().find((r) => r.outcome !== "active" && r.images === null);
  if (unattributed && unattributed.attribution.kind === "ambiguous") {
    return { verdict: "pending", reason: `a run in ${where} ended (${unattributed.outcome}) but cannot be attributed to one revision: ${unattributed.attribution.reason}`, progress: null };
  }
  const phase = record.current?.phase;
  return { verdict: "pending", reason: `waiting for ${shown} to be promoted in ${where}${phase ? ` (the Canary there is ${phase})` : ""}`, progress: null };
}

function findLock(record: PromotionRecord | undefined): CanaryLock | null {
  if (!record || record.deleted) return null;
  const run = findActiveRun(record);
  if (!run || !ACTIVE_PHASES.has(run.phase)) return null;
  return { cluster: record.cluster, progress: toProgress(run), pullRequest: run.attribution.kind === "merge" ? run.attribution.pullRequest : null };
}

function toProgress(run: PromotionRun): RunProgress {
  return { phase: run.phase, canaryWeight: run.canaryWeight, iterations: run.iterations, startedAt: run.startedAt };
}

export function describeProgress(progress: RunProgress): string {
  if (progress.canaryWeight > 0) return `${progress.phase}, canary weight ${progress.canaryWeight}%`;
  if (progress.iterations > 0) return `${progress.phase}, iteration ${progress.iterations}`;
  return progress.phase;
}

function describeAttribution(run: PromotionRun): string {
  return run.attribution.kind === "merge" ? ` (the run attributed to #${run.attribution.pullRequest}, the revision merged last)` : "";
}

/**
 * The records a decision about these Canaries reads: each Canary's own environment (the lock, and
 * the preview) and its promotedIn environment (the counterpart). The App fetches these, and keeps
 * them as the PR's index for re-evaluation when one of them changes.
 */
export function listGateRecordKeys(params: { environments: readonly EnvironmentConfig[]; canaries: readonly ChangedCanary[] }): CanaryKey[] {
  const environments = new Map(params.environments.map((e) => [e.name, e] as const));
  const keys = new Map<string, CanaryKey>();
  const add = (key: CanaryKey) => keys.set(`${key.cluster}/${key.namespace}/${key.name}`, key);
  for (const canary of params.canaries) {
    const environment = canary.environment === null ? undefined : environments.get(canary.environment);
    if (!environment) continue;
    add({ cluster: environment.cluster, namespace: canary.namespace, name: canary.name });
    const other = environment.promotedIn === undefined ? undefined : environments.get(environment.promotedIn);
    if (other && canary.counterpart !== null) {
      const where = canary.counterpart ?? canary;
      add({ cluster: other.cluster, namespace: where.namespace, name: where.name });
    }
  }
  return [...keys.values()];
}

/**
 * What a merged PR tells the records: for every changed Canary that gets a new revision in a
 * configured environment, the revision merged last for it (the push source attributes runs to it).
 * Preview environments run pull request heads, not merges, and are left out.
 */
export function buildMergeObservations(params: {
  environments: readonly EnvironmentConfig[];
  canaries: readonly ChangedCanary[];
  pullRequest: number;
  mergeSha: string;
  mergedAt: number;
}): PromotionObservation[] {
  const environments = new Map(params.environments.map((e) => [e.name, e] as const));
  return params.canaries.flatMap((canary): PromotionObservation[] => {
    const environment = canary.environment === null ? undefined : environments.get(canary.environment);
    if (!environment || environment.previewOf !== undefined || !canary.newRevision || canary.change === "removed") return [];
    return [
      {
        kind: "merge",
        key: { cluster: environment.cluster, namespace: canary.namespace, name: canary.name },
        merge: { pullRequest: params.pullRequest, sha: params.mergeSha, mergedAt: params.mergedAt, images: [...canary.images] },
      },
    ];
  });
}

/**
 * `merge_group.checks_requested`: the merge group's head has no cluster status of its own, so the
 * group is answered from the decisions of the pull requests in it (a merge queue admits only PRs
 * whose required checks passed; this re-asserts them at once instead of letting the queue time out).
 * A PR with no decision on record fails the group, saying so.
 */
export function decideMergeGroup(params: { pullRequests: ReadonlyArray<{ number: number; decision: GateDecision | null }>; now: number }): GateDecision {
  const canaries = params.pullRequests.flatMap((pr) => pr.decision?.canaries ?? []);
  const missing = params.pullRequests.filter((pr) => pr.decision === null).map((pr) => `#${pr.number}`);
  const failed = params.pullRequests.filter((pr) => pr.decision?.verdict === "failure").map((pr) => `#${pr.number}`);
  const pending = params.pullRequests.filter((pr) => pr.decision?.verdict === "pending").map((pr) => `#${pr.number}`);
  const base = { canaries, override: null, evaluatedAt: params.now };
  if (params.pullRequests.length === 0) return { ...base, verdict: "failure", reason: "the merge group names no pull request canary-bot knows" };
  if (missing.length > 0) return { ...base, verdict: "failure", reason: `no promotion decision is recorded for ${missing.join(", ")}; re-run the check on the pull request` };
  if (failed.length > 0) return { ...base, verdict: "failure", reason: `the promotion gate failed for ${failed.join(", ")}` };
  // Waiting here would stall the queue until its timeout: a pending PR should not have been queued.
  if (pending.length > 0) return { ...base, verdict: "failure", reason: `the promotion gate is still pending for ${pending.join(", ")}` };
  return { ...base, verdict: "success", reason: `the promotion gate passed for ${params.pullRequests.map((pr) => `#${pr.number}`).join(", ")}` };
}
