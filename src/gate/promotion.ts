/**
 * Promotion records: what a cluster told us about one Canary (cluster, namespace, name), its
 * analysis runs and their outcome, and the reducer that applies one observation to a record.
 * Pure: time is always an argument (Flagger's event timestamps, the watcher's clock).
 *
 * Two sources feed the same record (DESIGN.md "Cluster status"):
 * - push: Flagger event webhooks. They never carry images, and their `checksum` cannot be
 *   recomputed, so a run is attributed to the revision merged last for that Canary, or reported
 *   ambiguous when more than one merge could be it;
 * - pull: the Canary's status from the Kubernetes API, ordered by resourceVersion, with the images
 *   of the workloads read by the watcher (the primary's when a run succeeds).
 *
 * Replays and out-of-order deliveries change nothing: push runs are derived from a small,
 * time-sorted log of the events that start or end a run (a fold over a sorted set does not depend
 * on arrival order), the current phase is last-writer-wins by time, and a watched status older
 * than the record's resourceVersion is ignored.
 */
import { CLUSTER_LIMITS } from "../limits.js";
import { ACTIVE_PHASES, type CanaryKey, type CanaryPhase, type EventProgress, type FlaggerEvent } from "./flagger-event.js";

/** A revision merged into an environment's manifests, recorded by the App when a PR merges. */
export interface MergedRevision {
  pullRequest: number;
  /** The merge commit. */
  sha: string;
  mergedAt: number;
  /** The Canary's rendered images after the merge (`name:tag` or `name@digest`). */
  images: string[];
}

/** How a run's revision (its images) is known. */
export type Attribution =
  | { kind: "cluster" }
  | { kind: "merge"; pullRequest: number; sha: string }
  | { kind: "ambiguous"; reason: string; candidates: Array<{ pullRequest: number; sha: string }> }
  | { kind: "unknown"; reason: string };

export type RunOutcome = "active" | "succeeded" | "failed" | "superseded";

export interface PromotionRun {
  source: "event" | "watch";
  /** Flagger's checksum (events) or `status.lastAppliedSpec` (watch); null while not yet seen. */
  revision: string | null;
  /**
   * Push runs: the checksum Flagger sends with this run's in-run hooks (pre-rollout, rollout,
   * confirm-traffic-increase, confirm-promotion, rollback; docs/flagger-scheduler.md §4.3), taken
   * only from an event of an active phase that is not the one starting the run (which carries the
   * previous revision's). Absent while no such event was seen, and for watched runs, whose
   * lastAppliedSpec is another hash. The gate refuses an in-run call carrying another checksum.
   */
  checksum?: string;
  startedAt: number;
  /** False when the run was first seen mid-way (its start happened before we listened). */
  startSeen: boolean;
  phase: CanaryPhase;
  outcome: RunOutcome;
  /** When it succeeded, failed, or was superseded by a newer revision. */
  endedAt: number | null;
  canaryWeight: number;
  iterations: number;
  /** The revision's images, sorted; null when unknown (an unattributed push run). */
  images: string[] | null;
  attribution: Attribution;
}

/** The Canary as last seen, from whichever observation is newest. */
export interface CurrentState {
  phase: CanaryPhase;
  canaryWeight: number;
  iterations: number;
  message: string | null;
  at: number;
}

/** One event of the push log: only those that start or end a run, or first show a checksum. */
export interface LoggedEvent {
  key: string;
  at: number;
  phase: CanaryPhase;
  checksum: string;
  progress: EventProgress["kind"];
}

export interface PromotionRecord extends CanaryKey {
  current: CurrentState | null;
  /** Every run we know of, oldest first, at most CLUSTER_LIMITS.runsPerRecord. Derived; do not edit. */
  runs: PromotionRun[];
  merges: MergedRevision[];
  /** Push source: the run-defining events, sorted by (at, key). */
  eventLog: LoggedEvent[];
  /** Key of the event behind `current`, for a deterministic tie-break between equal timestamps. */
  currentKey: string | null;
  /** Pull source: the runs derived from watched statuses, and the newest resourceVersion applied. */
  watchRuns: PromotionRun[];
  resourceVersion: string | null;
  /** The Canary was deleted from the cluster (watch). */
  deleted: boolean;
}

/** A Canary object as watched: status plus the images the watcher read for it. */
export interface CanaryStatusObservation extends CanaryKey {
  resourceVersion: string;
  /** The watcher's clock when it saw this version. */
  observedAt: number;
  deleted: boolean;
  phase: CanaryPhase;
  canaryWeight: number;
  iterations: number;
  lastAppliedSpec: string | null;
  lastPromotedSpec: string | null;
  /** Images of `<target>-primary`, read when the phase is Succeeded; null when not read. */
  primaryImages: string[] | null;
  /** Images of the target (the canary workload), read while a run is active or failed. */
  canaryImages: string[] | null;
}

export type PromotionObservation =
  | { kind: "event"; event: FlaggerEvent }
  | { kind: "status"; status: CanaryStatusObservation }
  | { kind: "merge"; key: CanaryKey; merge: MergedRevision };

export function buildEmptyRecord(key: CanaryKey): PromotionRecord {
  return { cluster: key.cluster, namespace: key.namespace, name: key.name, current: null, runs: [], merges: [], eventLog: [], currentKey: null, watchRuns: [], resourceVersion: null, deleted: false };
}

/**
 * Applies one observation. Returns the same record object (and `changed: false`) when the
 * observation changes nothing: a replay, an event older than what it would change, a status
 * older than the record's resourceVersion, a merge already recorded.
 */
export function applyObservation(record: PromotionRecord | null, observation: PromotionObservation): { record: PromotionRecord; changed: boolean } {
  const key = observation.kind === "event" ? observation.event : observation.kind === "status" ? observation.status : observation.key;
  const base = record ?? buildEmptyRecord(key);
  const next =
    observation.kind === "event" ? applyEvent(base, observation.event) : observation.kind === "status" ? applyStatus(base, observation.status) : applyMerge(base, observation.merge);
  if (next === base) return { record: base, changed: record === null };
  const derived = { ...next, runs: deriveRuns(next) };
  return { record: derived, changed: JSON.stringify(derived) !== JSON.stringify(base) };
}

// ---------------------------------------------------------------------------------------------
// push: Flagger events

const RUN_EVENTS: ReadonlySet<EventProgress["kind"]> = new Set(["new-revision", "restart", "promotion-completed", "failed"]);

function applyEvent(record: PromotionRecord, event: FlaggerEvent): PromotionRecord {
  let next = record;
  if (record.current === null || isNewer(event.at, event.key, record.current.at, record.currentKey)) {
    next = { ...next, current: buildCurrentFromEvent(record.current, event), currentKey: event.key };
  }
  const log = mergeIntoLog(record.eventLog, event);
  if (log !== record.eventLog) next = { ...next, eventLog: log };
  return next;
}

function isNewer(at: number, key: string, thanAt: number, thanKey: string | null): boolean {
  return at > thanAt || (at === thanAt && thanKey !== null && key > thanKey);
}

function buildCurrentFromEvent(previous: CurrentState | null, event: FlaggerEvent): CurrentState {
  let canaryWeight = previous?.canaryWeight ?? 0;
  let iterations = previous?.iterations ?? 0;
  const p = event.progress;
  if (p.kind === "canary-weight") canaryWeight = p.weight;
  else if (p.kind === "primary-weight") canaryWeight = 100 - p.weight;
  else if (p.kind === "iteration") iterations = p.iteration;
  else if (p.kind !== "other" || !ACTIVE_PHASES.has(event.phase)) {
    // Flagger resets weight and iterations on a new revision and on every phase but the active ones (§5.1).
    canaryWeight = 0;
    iterations = 0;
  }
  return { phase: event.phase, canaryWeight, iterations, message: event.message, at: event.at };
}

/**
 * The log keeps the events that start or end a run, and per checksum the earliest event of an
 * active phase (it reveals a run whose start we missed, and the new run's checksum: "New revision
 * detected!" itself carries the previous revision's checksum, like confirm-rollout, because it is
 * recorded before Flagger syncs the status; scheduler.go: checkCanaryStatus). Everything else
 * (halts, hook results, weight steps) only moves `current`.
 */
function mergeIntoLog(log: LoggedEvent[], event: FlaggerEvent): LoggedEvent[] {
  if (log.some((e) => e.key === event.key)) return log;
  const entry: LoggedEvent = { key: event.key, at: event.at, phase: event.phase, checksum: event.checksum, progress: event.progress.kind };
  let next: LoggedEvent[];
  // "Promotion of … failed, primary not ready" (v1.44 handleFailedPromotion) is recorded with the
  // Promoting or Finalising phase, not Failed, yet it ends the run; a Canary being deleted
  // (Terminating) ends it too, with no other event.
  if (RUN_EVENTS.has(entry.progress) || event.phase === "Terminating") {
    next = [...log, entry];
  } else if (ACTIVE_PHASES.has(event.phase)) {
    const same = log.find((e) => !RUN_EVENTS.has(e.progress) && e.checksum === event.checksum);
    if (same && compareLogged(same, entry) <= 0) return log;
    next = [...log.filter((e) => e !== same), entry];
  } else {
    return log;
  }
  next.sort(compareLogged);
  // Keep the newest: the oldest runs fall out of the record first (CLUSTER_LIMITS.runsPerRecord).
  const cap = CLUSTER_LIMITS.runsPerRecord * 4;
  return next.length > cap ? next.slice(next.length - cap) : next;
}

function compareLogged(a: { at: number; key: string }, b: { at: number; key: string }): number {
  return a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Folds the sorted log into runs. */
function deriveEventRuns(log: readonly LoggedEvent[]): PromotionRun[] {
  const runs: PromotionRun[] = [];
  // The checksum carried by the event that started the open run: the *previous* revision's.
  let startChecksum: string | null = null;
  const open = (): PromotionRun | undefined => {
    const last = runs[runs.length - 1];
    return last && last.outcome === "active" ? last : undefined;
  };
  const start = (at: number, seen: boolean, revision: string | null, phase: CanaryPhase) => {
    const current = open();
    if (current) {
      current.outcome = "superseded";
      current.endedAt = at;
    }
    runs.push({
      source: "event",
      revision,
      startedAt: at,
      startSeen: seen,
      phase,
      outcome: "active",
      endedAt: null,
      canaryWeight: 0,
      iterations: 0,
      images: null,
      attribution: { kind: "unknown", reason: "" },
    });
  };
  for (const e of log) {
    const run = open();
    if (e.progress === "new-revision" || e.progress === "restart") {
      // From Failed, Flagger re-syncs first, so this checksum already is the new revision's (§4.3).
      const previous = runs[runs.length - 1]?.revision ?? null;
      start(e.at, true, e.phase === "Progressing" && previous !== null && e.checksum !== previous ? e.checksum : null, "Progressing");
      startChecksum = e.checksum;
    } else if (e.phase === "Terminating") {
      if (run) {
        run.outcome = "superseded";
        run.endedAt = e.at;
      }
    } else if (e.progress === "promotion-completed" || e.progress === "failed") {
      const outcome = e.progress === "promotion-completed" ? "succeeded" : "failed";
      if (!run) {
        const last = runs[runs.length - 1];
        // A second terminal event of a run already concluded (e.g. the promotion event replayed with a new timestamp).
        if (last && last.revision === e.checksum && last.outcome === outcome) continue;
        start(e.at, false, e.checksum, e.phase);
      }
      const target = open()!;
      target.outcome = outcome;
      target.phase = outcome === "succeeded" ? "Succeeded" : "Failed";
      target.endedAt = e.at;
      target.revision = e.checksum;
    } else if (run) {
      if (run.revision === null && e.checksum !== startChecksum) run.revision = e.checksum;
      if (run.checksum === undefined && e.checksum !== startChecksum) run.checksum = e.checksum;
    } else {
      const last = runs[runs.length - 1];
      if (last && last.revision === e.checksum) continue;
      start(e.at, false, e.checksum, e.phase);
      // An active phase's event of a run whose start was missed: its checksum is the run's.
      open()!.checksum = e.checksum;
      startChecksum = null;
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// pull: watched Canary status

function applyStatus(record: PromotionRecord, status: CanaryStatusObservation): PromotionRecord {
  if (record.resourceVersion !== null && !isNewerResourceVersion(status.resourceVersion, record.resourceVersion)) return record;
  const current: CurrentState = {
    phase: status.phase,
    canaryWeight: status.canaryWeight,
    iterations: status.iterations,
    message: null,
    at: status.observedAt,
  };
  const runs = status.deleted ? closeOpenRun(record.watchRuns, "superseded", status.observedAt) : reduceWatchRuns(record.watchRuns, status, record.resourceVersion !== null);
  return { ...record, current, currentKey: null, watchRuns: runs.slice(-CLUSTER_LIMITS.runsPerRecord), resourceVersion: status.resourceVersion, deleted: status.deleted };
}

/**
 * resourceVersion is opaque to clients in general, but every API server backed by etcd uses its
 * revision, a decimal integer; we order by it when both are integers and treat any other pair as
 * newer (a changed version string means a changed object).
 */
export function isNewerResourceVersion(candidate: string, than: string): boolean {
  if (/^\d+$/.test(candidate) && /^\d+$/.test(than)) {
    return candidate.length !== than.length ? candidate.length > than.length : candidate > than;
  }
  return candidate !== than;
}

/** `seenBefore`: an earlier version of the Canary was observed, so a new lastAppliedSpec is a run's start. */
function reduceWatchRuns(runs: readonly PromotionRun[], s: CanaryStatusObservation, seenBefore: boolean): PromotionRun[] {
  const next = runs.map((r) => ({ ...r }));
  const last = next[next.length - 1];
  const openRun = last && last.outcome === "active" ? last : undefined;
  const spec = s.lastAppliedSpec;
  const images = (list: string[] | null) => (list ? normalizeImages(list) : null);
  const begin = (phase: CanaryPhase, startSeen: boolean): PromotionRun => {
    if (openRun) {
      openRun.outcome = "superseded";
      openRun.endedAt = s.observedAt;
    }
    const run: PromotionRun = {
      source: "watch",
      revision: spec,
      startedAt: s.observedAt,
      startSeen,
      phase,
      outcome: "active",
      endedAt: null,
      canaryWeight: 0,
      iterations: 0,
      images: images(s.canaryImages),
      attribution: { kind: "cluster" },
    };
    next.push(run);
    return run;
  };
  if (ACTIVE_PHASES.has(s.phase)) {
    const run = openRun && openRun.revision === spec ? openRun : begin(s.phase, seenBefore);
    run.phase = s.phase;
    run.canaryWeight = s.canaryWeight;
    run.iterations = s.iterations;
    if (!run.images && s.canaryImages) run.images = images(s.canaryImages);
  } else if (s.phase === "Succeeded" && spec !== null && s.lastPromotedSpec === spec) {
    // §5.2: success ⇔ Succeeded and lastPromotedSpec == lastAppliedSpec.
    if (last && last.revision === spec && last.outcome === "succeeded") {
      if (s.primaryImages && !last.images) last.images = images(s.primaryImages);
      return next;
    }
    const run = openRun && openRun.revision === spec ? openRun : begin("Succeeded", false);
    run.phase = "Succeeded";
    run.outcome = "succeeded";
    run.endedAt = s.observedAt;
    run.canaryWeight = 0;
    // The primary's images are the promoted revision's; the canary's were a guess until now.
    if (s.primaryImages) run.images = images(s.primaryImages);
  } else if (s.phase === "Terminating") {
    if (openRun) {
      openRun.outcome = "superseded";
      openRun.endedAt = s.observedAt;
    }
  } else if (s.phase === "Failed") {
    if (last && last.outcome === "failed" && (last.revision === spec || !openRun)) return next;
    if (openRun) {
      // Failed with another lastAppliedSpec: the open run failed and Flagger already re-synced the
      // next revision (it does so every tick while Failed, §5.1); that next revision has not run.
      openRun.phase = "Failed";
      openRun.outcome = "failed";
      openRun.endedAt = s.observedAt;
      if (openRun.revision === spec && s.canaryImages && !openRun.images) openRun.images = images(s.canaryImages);
    } else if (!last) {
      const run = begin("Failed", false);
      run.outcome = "failed";
      run.endedAt = s.observedAt;
    }
  }
  return next;
}

function closeOpenRun(runs: readonly PromotionRun[], outcome: RunOutcome, at: number): PromotionRun[] {
  return runs.map((r) => (r.outcome === "active" ? { ...r, outcome, endedAt: at } : r));
}

// ---------------------------------------------------------------------------------------------
// merges and attribution

function applyMerge(record: PromotionRecord, merge: MergedRevision): PromotionRecord {
  if (record.merges.some((m) => m.sha === merge.sha)) return record;
  const merges = [...record.merges, { ...merge, images: normalizeImages(merge.images) }].sort((a, b) => a.mergedAt - b.mergedAt || (a.sha < b.sha ? -1 : 1));
  return { ...record, merges: merges.slice(-CLUSTER_LIMITS.mergesPerRecord) };
}

/**
 * A push run is the revision merged in the window between the previous run's start and its own:
 * exactly one merge there is an attribution; more than one is ambiguous (Flux may have applied
 * them together or one after the other); none is unknown. A run whose start we did not see has no
 * trustworthy window, so it is ambiguous whenever a merge could be it.
 */
export function attributeRun(params: { run: PromotionRun; previousStart: number | null; merges: readonly MergedRevision[] }): { attribution: Attribution; images: string[] | null } {
  const { run, previousStart, merges } = params;
  const candidates = merges.filter((m) => m.mergedAt <= run.startedAt && (previousStart === null || m.mergedAt > previousStart));
  const refs = candidates.map((m) => ({ pullRequest: m.pullRequest, sha: m.sha }));
  if (candidates.length === 0) {
    return { attribution: { kind: "unknown", reason: "no merged revision of this Canary was recorded before the run started" }, images: null };
  }
  if (!run.startSeen) {
    return { attribution: { kind: "ambiguous", reason: "the run was first seen after it started, so the merge that started it cannot be told", candidates: refs }, images: null };
  }
  if (candidates.length > 1) {
    return { attribution: { kind: "ambiguous", reason: `${candidates.length} revisions were merged since the previous run started`, candidates: refs }, images: null };
  }
  const merge = candidates[0]!;
  return { attribution: { kind: "merge", pullRequest: merge.pullRequest, sha: merge.sha }, images: merge.images };
}

function deriveRuns(record: PromotionRecord): PromotionRun[] {
  const eventRuns = deriveEventRuns(record.eventLog);
  eventRuns.forEach((run, i) => {
    const { attribution, images } = attributeRun({ run, previousStart: i > 0 ? eventRuns[i - 1]!.startedAt : null, merges: record.merges });
    run.attribution = attribution;
    run.images = images;
  });
  const current = record.current;
  const lastEventRun = eventRuns[eventRuns.length - 1];
  if (lastEventRun && lastEventRun.outcome === "active" && current && current.at >= lastEventRun.startedAt && ACTIVE_PHASES.has(current.phase)) {
    lastEventRun.phase = current.phase;
    lastEventRun.canaryWeight = current.canaryWeight;
    lastEventRun.iterations = current.iterations;
  }
  return [...eventRuns, ...record.watchRuns].sort((a, b) => a.startedAt - b.startedAt).slice(-CLUSTER_LIMITS.runsPerRecord);
}

/** Images compared as a set: trimmed, de-duplicated, sorted. */
export function normalizeImages(images: readonly string[]): string[] {
  return [...new Set(images.map((i) => i.trim()).filter(Boolean))].sort();
}

/** True when every image the PR declares is among the run's images (init containers and sidecars may add more). */
export function runCarriesImages(run: PromotionRun, images: readonly string[]): boolean {
  if (!run.images || images.length === 0) return false;
  const have = new Set(run.images);
  return normalizeImages(images).every((i) => have.has(i));
}

/** The open run, if the Canary is analysing a revision right now. */
export function findActiveRun(record: PromotionRecord): PromotionRun | undefined {
  const last = record.runs[record.runs.length - 1];
  return last && last.outcome === "active" ? last : undefined;
}
