/**
 * The shape of a simulated rollout. The simulation (simulate.ts) produces it; the renderers
 * (Markdown, Mermaid, text), the CLI's JSON output and the PR comment read it. The JSON form of
 * `Timeline` is the `timeline --format json` contract of DESIGN.md (extra fields are allowed).
 */

/** The phase a tick leaves the Canary in (docs/flagger-scheduler.md §3.1). */
export type TimelinePhase =
  /** Before detection: only a spec that never lets Flagger see the new revision stays here. */
  | "Initialized"
  | "Waiting"
  | "Progressing"
  | "WaitingPromotion"
  | "Promoting"
  | "Finalising"
  | "Succeeded"
  | "Failed";

/** How Flagger will run the analysis (docs/flagger-routing.md §1.6, docs/flagger-scheduler.md §3.3). */
export type StrategyKind =
  | "canary"
  | "canary-mirror"
  | "ab-testing"
  | "blue-green"
  | "blue-green-mirror"
  | "skip-analysis";

export type HookType =
  | "confirm-rollout"
  | "pre-rollout"
  | "rollout"
  | "confirm-traffic-increase"
  | "confirm-promotion"
  | "post-rollout"
  | "rollback";

/** One webhook call on a tick, in Flagger's order (docs/flagger-scheduler.md §3.2, §4.2). */
export interface HookCall {
  name: string;
  type: HookType;
  /** pass: the hook answered 2xx (or the gate was open); fail: it failed (what-if runs only). */
  outcome: "pass" | "fail";
}

/** One metric check on a tick (docs/flagger-scheduler.md §3.2 step 14, §3.9). */
export interface MetricCheck {
  name: string;
  source: "builtin" | "query" | "template";
  /** The metric's range window as written (or its default); undefined for template metrics without one. */
  interval?: string;
  outcome: "pass" | "fail";
}

export interface TimelineTick {
  /** 0 is the tick that detects the new revision. */
  tick: number;
  /** Seconds after detection: tick × analysis interval. */
  seconds: number;
  phase: TimelinePhase;
  /** Routes after the tick (what the mesh objects say). */
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
  /** What `status.canaryWeight` reads after the tick (it differs from the routes: §5.1). */
  statusCanaryWeight: number;
  /** `status.iterations` after the tick. */
  iteration: number;
  /** `status.failedChecks` after the tick. */
  failedChecks: number;
  hooks: HookCall[];
  metrics: MetricCheck[];
  /** Plain-language account of the tick ("Advance canary weight 20", "Promotion: primary spec updated" …). */
  events: string[];
}

export interface TimelineStall {
  /** The tick from which nothing changes any more. */
  tick: number;
  phase: TimelinePhase;
  /** What Flagger does forever, and why (the §2 STALL row). */
  reason: string;
}

export interface Timeline {
  name: string;
  namespace?: string;
  provider: string;
  strategy: StrategyKind;
  /** One line for people: "canary, 10% steps to 50%, promotion in one step". */
  strategyDescription: string;
  intervalSeconds: number;
  threshold: number;
  /** `--fail-from K`: every check fails from tick K on; undefined for the happy path. */
  failFromTick?: number;
  ticks: TimelineTick[];
  /** Seconds from detection to Succeeded when every check passes; null when it never promotes. */
  minSecondsToPromotion: number | null;
  /** Seconds from detection to the latest possible rollback (threshold-th failure on the last tick that can still fail); null when no check can fail. */
  worstCaseSecondsToRollback: number | null;
  /** Seconds from a first failure (of consecutive failures) to the rollback: threshold × interval. */
  secondsFromFirstFailureToRollback: number | null;
  stall?: TimelineStall;
  /** Traps and remarks: progressDeadlineSeconds, status.canaryWeight, metric intervals … */
  notes: string[];
}
