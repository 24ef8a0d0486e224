/**
 * Which strategy Flagger runs a Canary with, and the numbers that drive it, read the way the
 * scheduler reads them (docs/flagger-scheduler.md §1.3, §2, §3.2 step 15, §3.3; docs/flagger-routing.md §1.6).
 */
import type { CanarySpec } from "../canary/crd.js";
import { routerFamily } from "../canary/settings.js";
import type { StrategyKind } from "./types.js";

/** Iterations the kubernetes provider forces when a Canary sets fewer than one (§3.2 step 15). */
export const KUBERNETES_FORCED_ITERATIONS = 10;

export interface StrategyPlan {
  kind: StrategyKind;
  /** Blue/green and A/B: analysis iterations (after the kubernetes coercion). */
  iterations: number;
  /** Canary: the weight at which promotion starts (`maxWeight`, §3.3). */
  maxWeight: number;
  stepWeight: number;
  stepWeights: number[];
  stepWeightPromotion: number;
  mirror: boolean;
  /** Whether the router can report a mirrored route (Istio over HTTP; §3.3, §2 mirror STALL row). */
  progressiveMirrorWorks: boolean;
  /** Whether SetRoutes can mirror in blue/green (Istio and Gateway API, docs/flagger-routing.md §8.6). */
  blueGreenMirrorWorks: boolean;
  /** Provider kubernetes: no routing at all, blue/green forced. */
  noRouting: boolean;
  /** The scheduler drops `match` (kubernetes provider). */
  matchDropped: boolean;
  /** Forced blue/green because of the kubernetes provider. */
  forcedBlueGreen: boolean;
}

export function buildStrategyPlan(spec: CanarySpec | undefined, provider: string): StrategyPlan {
  const analysis = spec?.analysis;
  const family = routerFamily(provider);
  const noRouting = family === "kubernetes";
  const match = analysis?.match ?? [];
  let iterations = analysis?.iterations ?? 0;
  const forcedBlueGreen = noRouting && iterations < 1;
  if (forcedBlueGreen) iterations = KUBERNETES_FORCED_ITERATIONS;
  const stepWeights = analysis?.stepWeights ?? [];
  // maxWeight: the last stepWeights element (capped at 100) wins over maxWeight; ≤ 0 means 100.
  const maxWeight =
    stepWeights.length > 0 ? Math.min(100, stepWeights[stepWeights.length - 1]!) : (analysis?.maxWeight ?? 0) > 0 ? analysis!.maxWeight! : 100;
  const mirror = analysis?.mirror === true;
  const tcp = (spec?.service?.appProtocol ?? "").toLowerCase() === "tcp";
  const blueGreenMirrorWorks = (family === "istio" && !tcp) || family === "gatewayapi";
  let kind: StrategyKind;
  if (spec?.skipAnalysis === true || analysis === undefined) kind = "skip-analysis";
  else if (iterations > 0 && match.length > 0 && !noRouting) kind = "ab-testing";
  // Only Istio (HTTP) and Gateway API routers mirror in blue/green; elsewhere `mirror` is ignored (§2 WARN row).
  else if (iterations > 0) kind = mirror && blueGreenMirrorWorks ? "blue-green-mirror" : "blue-green";
  else kind = mirror ? "canary-mirror" : "canary";
  return {
    kind,
    iterations,
    maxWeight,
    stepWeight: analysis?.stepWeight ?? 0,
    stepWeights,
    stepWeightPromotion: analysis?.stepWeightPromotion ?? 0,
    mirror,
    progressiveMirrorWorks: family === "istio" && !tcp,
    blueGreenMirrorWorks,
    noRouting,
    matchDropped: noRouting && match.length > 0,
    forcedBlueGreen,
  };
}

export function detectStrategy(spec: CanarySpec | undefined, provider: string): StrategyKind {
  return buildStrategyPlan(spec, provider).kind;
}

/**
 * Flagger's `nextStepWeight` (§3.3): the step from the current canary weight. With stepWeights the
 * ladder is walked element by element; a weight that is not on the ladder jumps to 100.
 */
export function nextStepWeight(plan: StrategyPlan, canaryWeight: number): number {
  if (plan.stepWeight > 0 || plan.stepWeights.length === 0) return plan.stepWeight;
  const gap = 100 - canaryWeight;
  if (gap === 0) return 1;
  if (canaryWeight === 0) return Math.min(gap, plan.stepWeights[0]!);
  for (let i = 0; i < plan.stepWeights.length - 1; i++) {
    if (plan.stepWeights[i] === canaryWeight) return Math.min(gap, plan.stepWeights[i + 1]! - canaryWeight);
  }
  return gap;
}

/** One line for people, e.g. "canary: 10% steps up to 50%, promotion in one step". */
export function describeStrategy(params: { spec: CanarySpec | undefined; provider: string }): string {
  const plan = buildStrategyPlan(params.spec, params.provider);
  const analysis = params.spec?.analysis;
  const promotion = plan.noRouting
    ? ""
    : plan.stepWeightPromotion > 0
      ? `, promotion in ${plan.stepWeightPromotion}% steps`
      : ", promotion in one step";
  switch (plan.kind) {
    case "skip-analysis":
      return analysis === undefined ? "no analysis: promoted without checks" : "skipAnalysis: promoted without checks";
    case "ab-testing":
      return `A/B testing: ${plural(plan.iterations, "iteration")} for requests matching ${describeMatch(analysis?.match ?? [])}${promotion}`;
    case "blue-green":
    case "blue-green-mirror": {
      const why = plan.forcedBlueGreen ? ` (provider ${params.provider} forces blue/green)` : "";
      const mirror = plan.kind === "blue-green-mirror" ? ", traffic mirrored to the canary" : "";
      return `blue/green: ${plural(plan.iterations, "iteration")}${mirror}${why}${promotion}`;
    }
    case "canary":
    case "canary-mirror": {
      const steps = plan.stepWeights.length > 0 && !(plan.stepWeight > 0) ? `weights ${plan.stepWeights.join("→")}%` : describeSteps(plan);
      const mirror = plan.kind === "canary-mirror" ? ", one mirrored step first" : "";
      const affinity = analysis?.sessionAffinity ? ", sticky sessions" : "";
      return `canary: ${steps}${mirror}${affinity}${promotion}`;
    }
  }
}

/** The weight the steps really reach: Flagger does not clamp the last step at maxWeight (§3.3). */
function describeSteps(plan: StrategyPlan): string {
  if (plan.stepWeight <= 0) return `step ${plan.stepWeight}%, up to ${plan.maxWeight}%`;
  const top = Math.min(100, Math.ceil(plan.maxWeight / plan.stepWeight) * plan.stepWeight);
  return top === plan.maxWeight ? `${plan.stepWeight}% steps up to ${plan.maxWeight}%` : `${plan.stepWeight}% steps up to ${top}% (maxWeight ${plan.maxWeight})`;
}

function describeMatch(match: NonNullable<NonNullable<CanarySpec["analysis"]>["match"]>): string {
  const parts = new Set<string>();
  for (const m of match) {
    for (const name of Object.keys(m.headers ?? {})) parts.add(`header ${name}`);
    for (const name of Object.keys(m.queryParams ?? {})) parts.add(`query ${name}`);
    if (m.sourceLabels && Object.keys(m.sourceLabels).length > 0) parts.add("source labels");
  }
  return parts.size > 0 ? [...parts].join(" or ") : "the match rules";
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
