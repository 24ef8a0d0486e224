/**
 * A pure simulation of Flagger's scheduler (`pkg/controller/scheduler.go: advanceCanary`, v1.44)
 * for one new revision of one Canary, tick by tick, following docs/flagger-scheduler.md §3.
 *
 * Tick 0 is the tick on which Flagger detects the new revision; every later tick is one
 * `analysis.interval` later. Readiness is assumed (every workload becomes ready within a tick),
 * gates open, and checks pass — unless `failFromTick` says every check fails from that tick on.
 * docs/timeline.md describes the model and what it leaves out.
 */
import type { CanaryMetric, CanarySpec, CanaryWebhook } from "../canary/crd.js";
import { formatDurationMs, parseGoDuration, parsePrometheusDuration, resolveAnalysisIntervalMs } from "../canary/duration.js";
import type { ResolvedCanary } from "../canary/resolve.js";
import { routerFamily, type ControllerSettings } from "../canary/settings.js";
import { SIMULATION_LIMITS } from "../limits.js";
import { buildStrategyPlan, describeStrategy, nextStepWeight, type StrategyPlan } from "./strategy.js";
import type { HookCall, HookType, MetricCheck, Timeline, TimelinePhase, TimelineStall, TimelineTick } from "./types.js";

const BUILTIN_METRICS = new Set(["request-success-rate", "request-duration"]);
/** Routers that read analysis.match; the others send every request to the canary in A/B (§2). */
const MATCH_ROUTERS = new Set(["istio", "appmesh", "contour", "gloo", "nginx", "gatewayapi"]);
/** Flagger's default metric window for built-in and inline-query metrics (§3.9). */
const DEFAULT_METRIC_INTERVAL = "1m";
/** Kubernetes' default `progressDeadlineSeconds` for Deployments, which Flagger also uses (§3.6). */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

interface Hooks {
  byType: Map<HookType, CanaryWebhook[]>;
}

interface MetricPlan {
  /** Built-in and inline-query metrics first, then template metrics and unusable metrics (§3.2 step 14). */
  ordered: Array<{ metric: CanaryMetric; source: MetricCheck["source"]; interval?: string }>;
  /** Metrics with no built-in name, query or templateRef: Flagger fails them on every tick. */
  ignored: string[];
}

/** The status and routes after a tick. */
type State = Pick<TimelineTick, "phase" | "primaryWeight" | "canaryWeight" | "mirrored" | "statusCanaryWeight" | "iteration" | "failedChecks">;

interface Run {
  ticks: TimelineTick[];
  stall?: TimelineStall;
  /** The tick that set Promoting (or Succeeded, with skipAnalysis); undefined when it never did. */
  promotionTick?: number;
  outcome: "Succeeded" | "Failed" | "stalled" | "horizon";
}

export function simulateRollout(params: { resolved: ResolvedCanary; settings: ControllerSettings; failFromTick?: number }): Timeline {
  const { resolved } = params;
  const spec = resolved.canary.spec;
  const provider = resolved.provider;
  const plan = buildStrategyPlan(spec, provider);
  const intervalSeconds = resolveAnalysisIntervalMs(spec.analysis?.interval) / 1000;
  const threshold = (spec.analysis?.threshold ?? 0) > 0 ? spec.analysis!.threshold! : 1;
  const context: RunContext = { spec, plan, hooks: groupHooks(spec), metrics: planMetrics(spec), threshold, intervalSeconds, provider };

  // A fail-from tick that is not a finite number means no failure at all (never throws, STYLE).
  const failFrom = params.failFromTick !== undefined && Number.isFinite(params.failFromTick) ? Math.max(0, Math.floor(params.failFromTick)) : undefined;
  const happy = runScheduler(context, undefined);
  const run = failFrom === undefined ? happy : runScheduler(context, failFrom);
  const succeeded = happy.outcome === "Succeeded" ? happy.ticks[happy.ticks.length - 1]!.tick : undefined;
  const worstCaseTick = findWorstCaseRollbackTick(context, happy);

  const timeline: Timeline = {
    name: resolved.canary.name ?? "",
    ...(resolved.canary.namespace !== undefined ? { namespace: resolved.canary.namespace } : {}),
    provider,
    strategy: plan.kind,
    strategyDescription: describeStrategy({ spec, provider }),
    intervalSeconds,
    threshold,
    ...(failFrom !== undefined ? { failFromTick: failFrom } : {}),
    ticks: run.ticks,
    minSecondsToPromotion: succeeded !== undefined ? succeeded * intervalSeconds : null,
    worstCaseSecondsToRollback: worstCaseTick !== undefined ? worstCaseTick * intervalSeconds : null,
    secondsFromFirstFailureToRollback: countFailableChecks(context) > 0 ? threshold * intervalSeconds : null,
    ...(run.stall ? { stall: run.stall } : {}),
    notes: buildNotes(context, happy),
  };
  return timeline;
}

interface RunContext {
  spec: CanarySpec;
  plan: StrategyPlan;
  hooks: Hooks;
  metrics: MetricPlan;
  threshold: number;
  intervalSeconds: number;
  provider: string;
}

function groupHooks(spec: CanarySpec): Hooks {
  const byType = new Map<HookType, CanaryWebhook[]>();
  for (const hook of spec.analysis?.webhooks ?? []) {
    // An untyped webhook is a rollout hook; event hooks are not called by the scheduler's tick.
    const type = (hook.type === undefined || hook.type === "" ? "rollout" : hook.type) as HookType | "event";
    if (type === "event") continue;
    const list = byType.get(type) ?? [];
    list.push(hook);
    byType.set(type, list);
  }
  return { byType };
}

function planMetrics(spec: CanarySpec): MetricPlan {
  const builtinOrQuery: MetricPlan["ordered"] = [];
  const templates: MetricPlan["ordered"] = [];
  const ignored: string[] = [];
  // runBuiltinMetricChecks checks, per metric in list order, the built-in name and then an inline
  // query; runMetricChecks then checks the templateRefs. A metric can take part in both (§2 WARN row).
  for (const metric of spec.analysis?.metrics ?? []) {
    const name = metric.name ?? "(unnamed)";
    const interval = metric.interval || DEFAULT_METRIC_INTERVAL;
    if (BUILTIN_METRICS.has(name)) builtinOrQuery.push({ metric, source: "builtin", interval });
    if (metric.query) builtinOrQuery.push({ metric, source: "query", interval });
    if (metric.templateRef) templates.push({ metric, source: "template", ...(metric.interval ? { interval: metric.interval } : {}) });
    else if (!BUILTIN_METRICS.has(name) && !metric.query) {
      // runMetricChecks fails such a metric on every tick, in the template pass (§2 FAIL row). It
      // stays a check (a "query" without one, as queries.ts shows it); the notes say it cannot pass.
      templates.push({ metric, source: "query", ...(metric.interval ? { interval: metric.interval } : {}) });
      ignored.push(name);
    }
  }
  return { ordered: [...builtinOrQuery, ...templates], ignored };
}

function hooksOf(context: RunContext, type: HookType): CanaryWebhook[] {
  return context.hooks.byType.get(type) ?? [];
}

function passAll(hooks: readonly CanaryWebhook[], type: HookType): HookCall[] {
  return hooks.map((h) => ({ name: h.name ?? "(unnamed)", type, outcome: "pass" as const }));
}

function countFailableChecks(context: RunContext): number {
  return hooksOf(context, "pre-rollout").length + hooksOf(context, "rollout").length + context.metrics.ordered.length;
}

/**
 * Runs the scheduler from detection until Succeeded, Failed, a stall, or the horizon
 * (SIMULATION_LIMITS.maxTicks). `failFrom`: every check that runs fails from that tick on.
 */
function runScheduler(context: RunContext, failFrom: number | undefined): Run {
  const { spec, plan } = context;
  const ticks: TimelineTick[] = [];
  const push = (tick: number, state: State, hooks: HookCall[], metrics: MetricCheck[], events: string[]) => {
    ticks.push({ tick, seconds: tick * context.intervalSeconds, ...state, hooks, metrics, events });
  };

  if (spec.suspend === true) {
    push(0, initialState("Initialized"), [], [], ["The Canary is suspended: every tick only emits \"skipping canary run as object is suspended\"."]);
    return { ticks, stall: { tick: 0, phase: "Initialized", reason: "spec.suspend is true: Flagger skips every tick until it is unset (Flagger v1.44 pkg/controller/scheduler.go)." }, outcome: "stalled" };
  }
  // A primary readiness threshold over 100 never lets the primary count as ready (§2, §3.6): every
  // tick returns at step 4, before detection. skipAnalysis skips IsPrimaryReady entirely (§3.7).
  if (plan.kind !== "skip-analysis" && (spec.analysis?.primaryReadyThreshold ?? 0) > 100) {
    const state = initialState("Initialized");
    push(0, state, [], [], ["The primary never counts as ready (primaryReadyThreshold > 100): every tick returns before detecting the new revision."]);
    return { ticks, stall: { tick: 0, phase: "Initialized", reason: "primaryReadyThreshold is over 100, so the primary never counts as ready and Flagger never starts the rollout (Flagger v1.44 pkg/controller/scheduler.go, pkg/canary/deployment_ready.go)." }, outcome: "stalled" };
  }

  // Tick 0: detection. Confirm-rollout gates, then Progressing with counters at 0 (§3.2 step 6).
  let state: State = { ...initialState("Progressing") };
  push(0, state, passAll(hooksOf(context, "confirm-rollout"), "confirm-rollout"), [], ["New revision detected: the canary is scaled up and the analysis starts."]);

  // IsCanaryReady (step 8) runs before the skipAnalysis path (step 9), so it blocks that path too.
  if ((spec.analysis?.canaryReadyThreshold ?? 0) > 100) {
    push(1, state, [], [], ["The canary never counts as ready (canaryReadyThreshold > 100): the tick returns early."]);
    return { ticks, stall: { tick: 1, phase: "Progressing", reason: "canaryReadyThreshold is over 100, so the canary never counts as ready: every tick returns before the analysis, with no rollback (Flagger v1.44 pkg/controller/scheduler.go, pkg/canary/deployment_ready.go)." }, outcome: "stalled" };
  }

  if (plan.kind === "skip-analysis") {
    // §3.7: the next tick routes everything to the primary, promotes, and succeeds.
    state = { ...state, phase: "Succeeded", primaryWeight: 100, canaryWeight: 0, mirrored: false, statusCanaryWeight: 0, iteration: 0 };
    push(1, state, passAll(hooksOf(context, "post-rollout"), "post-rollout"), [], [
      spec.analysis === undefined ? "No analysis: Flagger promotes without any check." : "skipAnalysis: all traffic to the primary, primary spec updated, canary scaled to zero without waiting for the primary's rollout.",
    ]);
    return { ticks, promotionTick: 1, outcome: "Succeeded" };
  }

  let promotionTick: number | undefined;
  for (let tick = 1; tick <= SIMULATION_LIMITS.maxTicks; tick++) {
    const before = state;
    const hooks: HookCall[] = [];
    const metrics: MetricCheck[] = [];
    const events: string[] = [];
    const failing = failFrom !== undefined && tick >= failFrom;
    const next = { ...state };

    if (state.phase === "Promoting") {
      runPromotionTick(context, next, events);
      push(tick, next, hooks, metrics, events);
      state = next;
      // Promoting runs no checks, so a Promoting tick that changes nothing repeats forever.
      if (sameState(before, state)) {
        return { ticks, promotionTick, stall: { tick, phase: "Promoting", reason: describePromotionStall(context, state) }, outcome: "stalled" };
      }
      continue;
    }
    if (state.phase === "Finalising") {
      // §3.4: the canary is scaled to zero, Succeeded, post-rollout hooks.
      Object.assign(next, { phase: "Succeeded", statusCanaryWeight: 0, iteration: 0 });
      hooks.push(...passAll(hooksOf(context, "post-rollout"), "post-rollout"));
      events.push("Promotion completed: the canary is scaled to zero.");
      push(tick, next, hooks, metrics, events);
      return { ticks, promotionTick, outcome: "Succeeded" };
    }

    // Progressing: rollback gates first (§3.2 step 10); they stay closed in the simulation.
    hooks.push(...passAll(hooksOf(context, "rollback"), "rollback"));
    // Threshold check at the start of the tick (§3.2 step 13, §3.5).
    if (state.failedChecks >= context.threshold) {
      Object.assign(next, { phase: "Failed", primaryWeight: 100, canaryWeight: 0, mirrored: false, statusCanaryWeight: 0, iteration: 0, failedChecks: 0 });
      hooks.push(...passAll(hooksOf(context, "post-rollout"), "post-rollout"));
      events.push(`Rolling back: ${state.failedChecks} failed checks reached the threshold of ${context.threshold}; all traffic to the primary, canary scaled to zero.`, ...(state.canaryWeight > 0 ? stickyEvents(context, "end") : []));
      push(tick, next, hooks, metrics, events);
      return { ticks, promotionTick, outcome: "Failed" };
    }

    // Checks (§3.2 step 14).
    const preRollout = state.canaryWeight === 0 && state.iteration === 0 && !(plan.mirror && state.mirrored);
    if (preRollout) {
      events.push("Starting canary analysis: pre-rollout hooks (no metric checks on this tick).");
      const pre = hooksOf(context, "pre-rollout");
      if (failing && pre.length > 0) {
        hooks.push({ name: pre[0]!.name ?? "(unnamed)", type: "pre-rollout", outcome: "fail" });
        next.failedChecks += 1;
        events.push(`Pre-rollout hook failed: ${next.failedChecks}/${context.threshold} failed checks.`);
        push(tick, next, hooks, metrics, events);
        state = next;
        continue;
      }
      hooks.push(...passAll(pre, "pre-rollout"));
    } else {
      const failure = runAnalysis(context, failing, hooks, metrics);
      if (failure) {
        next.failedChecks += 1;
        events.push(`${failure} failed: ${next.failedChecks}/${context.threshold} failed checks; traffic stays where it is.`);
        push(tick, next, hooks, metrics, events);
        state = next;
        continue;
      }
    }

    // Strategy step (§3.2 steps 15–16, §3.3).
    const promoted = runStrategyStep(context, next, hooks, events);
    if (promoted && promotionTick === undefined) promotionTick = tick;
    push(tick, next, hooks, metrics, events);
    state = next;

    // From failFrom on (or without it) every tick runs with the same outcomes, so a tick that
    // changes nothing is a fixed point; before failFrom a later failure may still change things.
    if ((failFrom === undefined || tick > failFrom) && sameState(before, state)) {
      return { ticks, promotionTick, stall: { tick, phase: state.phase, reason: describeStall(context, state) }, outcome: "stalled" };
    }
  }
  return {
    ticks,
    promotionTick,
    stall: { tick: SIMULATION_LIMITS.maxTicks, phase: state.phase, reason: `The rollout does not finish within ${SIMULATION_LIMITS.maxTicks} ticks (canary-bot's simulation horizon).` },
    outcome: "horizon",
  };
}

function initialState(phase: TimelinePhase): State {
  return { phase, primaryWeight: 100, canaryWeight: 0, mirrored: false, statusCanaryWeight: 0, iteration: 0, failedChecks: 0 };
}

function sameState(a: State, b: State): boolean {
  return (
    a.phase === b.phase &&
    a.primaryWeight === b.primaryWeight &&
    a.canaryWeight === b.canaryWeight &&
    a.mirrored === b.mirrored &&
    a.iteration === b.iteration &&
    a.failedChecks === b.failedChecks &&
    a.statusCanaryWeight === b.statusCanaryWeight
  );
}

/** Rollout hooks in list order, then built-in/inline metrics, then template metrics; the first failure stops the tick. */
function runAnalysis(context: RunContext, failing: boolean, hooks: HookCall[], metrics: MetricCheck[]): string | undefined {
  for (const hook of hooksOf(context, "rollout")) {
    if (failing) {
      hooks.push({ name: hook.name ?? "(unnamed)", type: "rollout", outcome: "fail" });
      return `Rollout hook ${hook.name ?? "(unnamed)"}`;
    }
    hooks.push({ name: hook.name ?? "(unnamed)", type: "rollout", outcome: "pass" });
  }
  for (const { metric, source, interval } of context.metrics.ordered) {
    const check: MetricCheck = { name: metric.name ?? "(unnamed)", source, ...(interval !== undefined ? { interval } : {}), outcome: failing ? "fail" : "pass" };
    metrics.push(check);
    if (failing) return `Metric check ${check.name}`;
  }
  return undefined;
}

/** Returns true when the tick promoted (phase Promoting). */
function runStrategyStep(context: RunContext, next: State, hooks: HookCall[], events: string[]): boolean {
  const { plan } = context;
  if (plan.matchDropped) events.push("Provider kubernetes: the A/B match is dropped.");
  if (plan.kind === "ab-testing") {
    if (next.iteration < plan.iterations) {
      next.primaryWeight = 0;
      next.canaryWeight = 100;
      next.iteration += 1;
      events.push(
        MATCH_ROUTERS.has(routerFamily(context.provider))
          ? `Iteration ${next.iteration}/${plan.iterations}: requests matching the A/B rules go to the canary, all others to the primary.`
          : `Iteration ${next.iteration}/${plan.iterations}: provider ${context.provider} ignores the A/B rules, so every request goes to the canary.`,
      );
      return false;
    }
    return promote(context, next, hooks, events);
  }
  if (plan.kind === "blue-green" || plan.kind === "blue-green-mirror") {
    if (next.iteration < plan.iterations) {
      if (plan.mirror && !plan.noRouting && !next.mirrored) {
        // SetRoutes(100, 0, mirrored); only Istio and Gateway API can mirror (docs/flagger-routing.md §8.6).
        next.primaryWeight = 100;
        next.canaryWeight = 0;
        next.mirrored = plan.blueGreenMirrorWorks;
        events.push(plan.blueGreenMirrorWorks ? "Traffic mirroring to the canary starts." : "Flagger asks the router to mirror traffic, but this provider cannot mirror: the canary gets only load-test traffic.");
      }
      next.iteration += 1;
      events.push(`Iteration ${next.iteration}/${plan.iterations}${plan.noRouting || !next.mirrored ? ": users stay on the primary, only test traffic reaches the canary" : ""}.`);
      return false;
    }
    hooks.push(...passAll(hooksOf(context, "confirm-promotion"), "confirm-promotion"));
    if (next.iteration === plan.iterations) {
      if (!plan.noRouting) {
        next.primaryWeight = 0;
        next.canaryWeight = 100;
        next.mirrored = false;
        events.push(plan.mirror ? "Stop traffic mirroring and route all traffic to the canary." : "Routing all traffic to the canary.");
      } else {
        events.push("Analysis complete; provider kubernetes does no routing.");
      }
      next.iteration += 1;
      return false;
    }
    return promote(context, next, [], events);
  }
  // Canary strategy.
  const step = nextStepWeight(plan, next.canaryWeight);
  if (step <= 0) {
    events.push(`The next step weight is ${step}: Flagger does nothing on this tick.`);
    return false;
  }
  if (!next.mirrored) hooks.push(...passAll(hooksOf(context, "confirm-traffic-increase"), "confirm-traffic-increase"));
  if (next.canaryWeight < plan.maxWeight) {
    if (plan.mirror && next.canaryWeight === 0) {
      if (!next.mirrored) {
        next.primaryWeight = 100;
        next.canaryWeight = 0;
        // A router that cannot mirror reports mirrored=false again next tick (§2 mirror STALL row).
        next.mirrored = plan.progressiveMirrorWorks;
        events.push(plan.progressiveMirrorWorks ? "Mirror step: all traffic to the primary, mirrored to the canary." : "Mirror step requested, but this provider cannot report a mirrored route: the step repeats.");
      } else {
        next.mirrored = false;
        next.primaryWeight = 100 - step;
        next.canaryWeight = step;
        events.push(`Mirroring stops; advance canary weight ${step}.`, ...stickyEvents(context, "first-step"));
      }
    } else {
      const firstStep = next.canaryWeight === 0;
      next.primaryWeight = Math.max(0, next.primaryWeight - step);
      next.canaryWeight = Math.min(100, next.canaryWeight + step);
      events.push(`Advance canary weight ${next.canaryWeight}.`, ...(firstStep ? stickyEvents(context, "first-step") : []));
    }
    next.statusCanaryWeight = next.canaryWeight;
    return false;
  }
  return promote(context, next, hooks, events);
}

function promote(context: RunContext, next: State, hooks: HookCall[], events: string[]): boolean {
  hooks.push(...passAll(hooksOf(context, "confirm-promotion"), "confirm-promotion"));
  next.phase = "Promoting";
  events.push("Copying the canary's template to the primary: the primary rolls out the new version (routes unchanged on this tick).");
  return true;
}

/** `runPromotionTrafficShift` (§3.4). */
function runPromotionTick(context: RunContext, next: State, events: string[]): void {
  const { plan } = context;
  if (plan.noRouting) {
    next.phase = "Finalising";
    next.statusCanaryWeight = 0;
    next.iteration = 0;
    events.push("Provider kubernetes: no traffic to shift; finalising.");
    return;
  }
  if (plan.stepWeightPromotion === 0) {
    Object.assign(next, { primaryWeight: 100, canaryWeight: 0, mirrored: false, phase: "Finalising", statusCanaryWeight: 0, iteration: 0 });
    events.push("Routing all traffic to the primary.", ...stickyEvents(context, "end"));
    return;
  }
  // runPromotionTrafficShift only shifts while the canary has traffic.
  if (next.canaryWeight <= 0) {
    events.push("The canary has no traffic left to shift: Flagger does nothing on this tick.");
    return;
  }
  next.mirrored = false;
  if (plan.stepWeightPromotion < 0) {
    // Flagger caps the primary only at 100 and the canary only at 0, so a negative step asks for
    // weights below 0 / above 100 once the primary is empty (§2 STALL row). The timeline keeps the
    // routes inside 0–100 and says what Flagger asks for.
    const askedPrimary = Math.min(100, next.primaryWeight + plan.stepWeightPromotion);
    const askedCanary = Math.max(0, next.canaryWeight - plan.stepWeightPromotion);
    if (askedPrimary >= 0 && askedCanary <= 100) {
      next.primaryWeight = askedPrimary;
      next.canaryWeight = askedCanary;
      next.statusCanaryWeight = askedCanary;
    }
    events.push(
      askedPrimary < 0 || askedCanary > 100
        ? `Flagger asks for primary ${askedPrimary}% / canary ${askedCanary}%, which is not a valid split: the routes stay at primary ${next.primaryWeight}%.`
        : `Primary weight ${next.primaryWeight}: a negative stepWeightPromotion moves traffic away from the primary.`,
    );
    return;
  }
  next.primaryWeight = Math.min(100, next.primaryWeight + plan.stepWeightPromotion);
  next.canaryWeight = Math.max(0, next.canaryWeight - plan.stepWeightPromotion);
  events.push(`Advance primary weight ${next.primaryWeight}.`);
  if (next.primaryWeight === 100) {
    Object.assign(next, { phase: "Finalising", statusCanaryWeight: 0, iteration: 0 });
  } else {
    next.statusCanaryWeight = next.canaryWeight;
  }
}

/** Why a Promoting tick repeats forever (§2 stepWeightPromotion STALL row, §3.4). */
function describePromotionStall(context: RunContext, state: State): string {
  const step = context.plan.stepWeightPromotion;
  if (step < 0) {
    return `stepWeightPromotion is negative (${step}): every Promoting tick moves traffic away from the primary, which never reaches 100%, so promotion never ends and the canary keeps ${state.canaryWeight}% of the traffic (Flagger v1.44 pkg/controller/scheduler.go).`;
  }
  return `in Promoting the canary has no traffic left to shift but the primary is at ${state.primaryWeight}%, so Flagger never reaches Finalising (Flagger v1.44 pkg/controller/scheduler.go).`;
}

/**
 * Session affinity (docs/flagger-routing.md §4.6, Istio and Gateway API, canary strategy): while the
 * canary has traffic its responses set the cookie and requests carrying it stay on the canary; when
 * the canary weight returns to 0 the cookie is expired.
 */
function stickyEvents(context: RunContext, moment: "first-step" | "end"): string[] {
  const affinity = context.spec.analysis?.sessionAffinity;
  const family = routerFamily(context.provider);
  if (!affinity?.cookieName || (family !== "istio" && family !== "gatewayapi")) return [];
  if (context.plan.kind !== "canary" && context.plan.kind !== "canary-mirror") return [];
  const cookie = affinity.cookieName;
  switch (moment) {
    case "first-step":
      return [`Session affinity: canary responses set the cookie ${cookie}; requests carrying it stay on the canary whatever the weight.`];
    case "end":
      return [`Session affinity: the ${cookie} cookie is expired (Max-Age=-1), so sticky users return to the primary.`];
  }
}

function describeStall(context: RunContext, state: State): string {
  const { plan } = context;
  if (plan.kind === "canary-mirror" && !plan.progressiveMirrorWorks && state.canaryWeight === 0) {
    return `mirror with step weights needs a router that reports mirrored routes (Istio over HTTP); with provider ${context.provider} the mirror step repeats every tick, the weight stays 0 and pre-rollout hooks re-run every tick (Flagger v1.44 pkg/controller/scheduler.go).`;
  }
  const step = nextStepWeight(plan, state.canaryWeight);
  if (step <= 0) {
    return state.canaryWeight === 0
      ? `the first step weight is ${step}, so the weight never leaves 0 and pre-rollout hooks re-run every tick (Flagger v1.44 pkg/controller/scheduler.go).`
      : `stepWeights do not increase after ${state.canaryWeight}%, so the next step is ${step} and the weight stays at ${state.canaryWeight}% (Flagger v1.44 pkg/controller/scheduler.go).`;
  }
  if (state.canaryWeight >= 100 && plan.maxWeight > 100) {
    return `maxWeight ${plan.maxWeight} is over 100: the weight is clamped at 100%, promotion needs ${plan.maxWeight}%, so the canary keeps all traffic and never promotes (Flagger v1.44 pkg/controller/scheduler.go).`;
  }
  return `nothing changes from tick to tick in phase ${state.phase}.`;
}

/**
 * The latest rollback: checks start failing on the latest tick that can still fail, and keep
 * failing until the threshold (§3.5). Every failure repeats its tick, so the latest failing tick
 * K gives a rollback at K + threshold; the search runs backwards from the promotion tick.
 */
function findWorstCaseRollbackTick(context: RunContext, happy: Run): number | undefined {
  if (happy.outcome !== "Succeeded" || happy.promotionTick === undefined || context.plan.kind === "skip-analysis") return undefined;
  if (countFailableChecks(context) === 0) return undefined;
  // With pre-rollout hooks as the only checks, only the pre-rollout tick (tick 1) can fail.
  const onlyPreRollout = hooksOf(context, "rollout").length + context.metrics.ordered.length === 0;
  for (let k = onlyPreRollout ? 1 : happy.promotionTick; k >= 1; k--) {
    const run = runScheduler(context, k);
    if (run.outcome === "Failed") return run.ticks[run.ticks.length - 1]!.tick;
  }
  return undefined;
}

/**
 * For a check that fails on every analysis tick: when the run then rolls back. Tick 1 is the
 * pre-rollout tick (no metrics, §3.2 step 14); when it moved the weights or iterations, tick 2 is
 * the first analysis tick, and failing from there is the what-if run `failFromTick: 2` minus any
 * pre-rollout failure, which cannot happen after tick 1.
 */
function describeCertainRollback(context: RunContext, happy: Run): string {
  const [first, second] = [happy.ticks[0], happy.ticks[1]];
  if (!first || !second || second.phase !== "Progressing" || sameState(first, second)) return "";
  const run = runScheduler(context, 2);
  const last = run.ticks[run.ticks.length - 1]!;
  return run.outcome === "Failed" ? `, so the rollout rolls back on tick ${last.tick} (${formatDurationMs(last.seconds * 1000)} after detection)` : "";
}

function buildNotes(context: RunContext, happy: Run): string[] {
  const { spec, plan, intervalSeconds } = context;
  const notes: string[] = [];
  const interval = formatDurationMs(intervalSeconds * 1000);
  if (spec.analysis?.interval !== undefined && parseGoDuration(spec.analysis.interval) !== intervalSeconds * 1000) {
    notes.push(`analysis.interval ${JSON.stringify(spec.analysis.interval)} is read as ${interval} (unparsable means 60s; under 10s means 10s; Flagger v1.44 pkg/controller/scheduler.go).`);
  }
  if ((spec.analysis?.threshold ?? 1) <= 0) notes.push(`threshold ${spec.analysis?.threshold} is treated as 1: the first failed check rolls back (Flagger v1.44 pkg/controller/scheduler.go).`);
  if (plan.forcedBlueGreen) notes.push(`Provider ${context.provider} cannot shift traffic: Flagger forces blue/green with ${plan.iterations} iterations, every tick (Flagger v1.44 pkg/controller/scheduler.go; step 15).`);
  if (plan.matchDropped) notes.push(`Provider ${context.provider} drops analysis.match: no A/B routing happens (Flagger v1.44 pkg/controller/scheduler.go).`);

  const deadline = spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  if (happy.outcome === "Succeeded") {
    const total = happy.ticks[happy.ticks.length - 1]!.seconds;
    notes.push(
      `progressDeadlineSeconds (${deadline}s) does not cap the analysis${total > deadline ? `, although this rollout takes ${formatDurationMs(total * 1000)}` : ""}: it rolls back only when the canary or primary Deployment stays unavailable for longer than that (Flagger v1.44 pkg/canary/deployment_ready.go).`,
    );
  }
  if (plan.kind === "ab-testing" || plan.kind === "blue-green" || plan.kind === "blue-green-mirror") {
    notes.push(`status.canaryWeight stays 0 during ${plan.kind === "ab-testing" ? "A/B testing, while matching requests go to the canary" : "blue/green, even when all traffic goes to the canary before promotion"}: watch phase and iterations instead (Flagger v1.44 pkg/canary/status.go).`);
  }
  if (hooksOf(context, "confirm-promotion").length > 0) {
    notes.push(
      plan.kind === "canary" || plan.kind === "canary-mirror"
        ? "While a confirm-promotion gate is closed the phase is WaitingPromotion and status.canaryWeight reads 0 although traffic stays at the maximum weight; analysis keeps running and failures still count (Flagger v1.44 pkg/controller/scheduler.go, pkg/canary/status.go)."
        : "While a confirm-promotion gate is closed the phase is WaitingPromotion and the gate is only polled every second tick (Flagger v1.44 pkg/controller/scheduler.go).",
    );
  }
  if (plan.kind === "ab-testing" && !MATCH_ROUTERS.has(routerFamily(context.provider))) {
    notes.push(`Provider ${context.provider} ignores analysis.match: each A/B iteration routes 100% of the traffic to the canary, not only the matching requests (Flagger v1.44 pkg/controller/scheduler.go).`);
  }
  const eventHooks = (spec.analysis?.webhooks ?? []).filter((h) => h.type === "event").map((h) => h.name ?? "(unnamed)");
  if (eventHooks.length > 0) {
    notes.push(`Event webhooks (${eventHooks.join(", ")}) are not listed per tick: Flagger calls them for every Kubernetes event it records for this Canary (Flagger v1.44 pkg/controller/events.go).`);
  }
  if (hooksOf(context, "confirm-traffic-increase").length > 0 && (plan.kind === "canary" || plan.kind === "canary-mirror")) {
    notes.push("confirm-traffic-increase also runs on the promotion tick: a closed gate blocks promotion too (Flagger v1.44 pkg/controller/scheduler.go).");
  }
  if (plan.kind === "blue-green" && plan.mirror && !plan.noRouting) {
    notes.push(`Provider ${context.provider} cannot mirror in blue/green: analysis.mirror is ignored and the canary gets only test traffic until all traffic moves to it (Flagger v1.44 pkg/controller/scheduler.go).`);
  }
  if (plan.kind === "canary-mirror") notes.push("While traffic is mirrored, status.canaryWeight reads 0 (Flagger v1.44 pkg/controller/scheduler.go).");
  if (plan.kind === "skip-analysis") notes.push("No pre-rollout, rollout, rollback or metric checks run: nothing can roll this revision back except the canary failing to become ready (Flagger v1.44 pkg/controller/scheduler.go).");
  else if (countFailableChecks(context) === 0) notes.push("There are no metrics and no pre-rollout or rollout hooks: no check can fail, so only an unready canary can roll back (Flagger v1.44 pkg/controller/scheduler.go).");

  // Only specs with a check that cannot pass pay for the extra what-if run.
  const cannotPass = context.metrics.ignored.length > 0 || context.metrics.ordered.some((m) => m.source === "template" && !m.interval);
  const certainRollback = cannotPass ? describeCertainRollback(context, happy) : "";
  for (const name of context.metrics.ignored) {
    notes.push(
      `Metric ${name} is neither built in (request-success-rate, request-duration) nor has a query or templateRef: Flagger fails it on every analysis tick ("no usable metrics template and query were configured")${certainRollback}. The timeline above assumes it passes. Add a query or templateRef (Flagger v1.44 pkg/controller/scheduler.go).`,
    );
  }
  for (const metric of spec.analysis?.metrics ?? []) {
    if (BUILTIN_METRICS.has(metric.name ?? "") && (metric.query || metric.templateRef)) {
      notes.push(`Metric ${metric.name} is a built-in name and also has a ${metric.query ? "query" : "templateRef"}: Flagger checks both, the built-in query first (Flagger v1.44 pkg/controller/scheduler.go).`);
    }
  }
  for (const { metric, source, interval: metricInterval } of context.metrics.ordered) {
    const name = metric.name ?? "(unnamed)";
    if (source === "builtin" && (metric.query || metric.templateRef)) continue;
    if (source === "query" && !metric.query) continue;
    if (source === "template" && !metricInterval) {
      notes.push(`Template metric ${name} has no interval: its query renders an empty range such as \`[]\`, which Prometheus rejects (and other providers cannot parse): every check fails${certainRollback}. The timeline above assumes it passes. Set interval, e.g. 1m (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go).`);
      continue;
    }
    const windowMs = metricInterval ? parsePrometheusDuration(metricInterval) : undefined;
    if (windowMs === undefined) continue;
    if (windowMs < intervalSeconds * 1000) notes.push(`Metric ${name} looks at ${metricInterval} of every ${interval}: traffic between checks is never evaluated (Flagger v1.44 pkg/controller/scheduler_metrics.go).`);
    else if (windowMs > intervalSeconds * 1000) notes.push(`Metric ${name} looks back ${metricInterval}, longer than the ${interval} interval: the first check after a weight step still includes traffic from the step before (Flagger v1.44 pkg/controller/scheduler_metrics.go).`);
  }
  if (happy.outcome === "Succeeded" && happy.ticks.some((t) => t.phase === "Promoting")) {
    notes.push("Each Promoting tick waits for the primary's rolling update to finish; the figures count it as one interval.");
  }
  return notes;
}

