/**
 * Rules about `spec.analysis` itself: schedule, threshold, strategy and weights, readiness,
 * session affinity (docs/flagger-scheduler.md §0, §2, §3.3–§3.6).
 */
import type { PendingFinding } from "../../canary/findings.js";
import { formatDurationMs, MINIMUM_ANALYSIS_INTERVAL_MS, parseGoDuration, resolveAnalysisIntervalMs } from "../../canary/duration.js";
import { routerFamily } from "../../canary/settings.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule } from "../rule.js";
import { isWritten } from "./facts.js";

const ANALYSIS = ["spec", "analysis"] as const;

/**
 * Past this, a failing canary keeps its share of live traffic for longer than a working shift
 * before Flagger rolls it back (failed checks × interval, docs/flagger-scheduler.md §3.5). Flagger's
 * examples take 5 minutes (5 × 1m); six hours leaves room for slow, deliberate analyses (e.g. 5 ×
 * 1h) and still catches thresholds meant as "never roll back".
 */
const ROLLBACK_DELAY_WARNING_MS = 6 * 60 * 60 * 1000;

export const checkAnalysisInterval: CanaryRule = ({ resolved }) => {
  const interval = resolved.canary.spec.analysis?.interval;
  if (interval === undefined) return [];
  const path = [...ANALYSIS, "interval"];
  const parsed = parseGoDuration(interval);
  if (parsed === undefined) {
    return [
      buildFinding({
        code: "ANALYSIS_INTERVAL_UNPARSABLE",
        message: `\`spec.analysis.interval\` is ${JSON.stringify(interval)}: the CRD's pattern only checks that it starts with digits and m or s, but Go's time.ParseDuration rejects it, so Flagger silently runs the analysis every 60s (Flagger v1.44 GetAnalysisInterval in pkg/apis/flagger/v1beta1/canary.go). Write a Go duration such as 5m, 90s or 1m30s.`,
        path,
      }),
    ];
  }
  if (parsed < MINIMUM_ANALYSIS_INTERVAL_MS) {
    const hint = /ms$/.test(interval) ? ` ${JSON.stringify(interval)} is milliseconds; did you mean ${interval.replace(/ms$/, "m")}?` : "";
    return [
      buildFinding({
        code: "ANALYSIS_INTERVAL_BELOW_MINIMUM",
        message: `\`spec.analysis.interval\` is ${JSON.stringify(interval)}${formatDurationMs(parsed) === interval ? "" : ` (${formatDurationMs(parsed)})`}; Flagger never schedules faster than every 10s, so the analysis runs every 10s (Flagger v1.44 GetAnalysisInterval in pkg/apis/flagger/v1beta1/canary.go).${hint} Use 10s or more.`,
        path,
      }),
    ];
  }
  return [];
};

export const checkThreshold: CanaryRule = ({ resolved }) => {
  const analysis = resolved.canary.spec.analysis;
  const threshold = analysis?.threshold;
  if (threshold === undefined) return [];
  const path = [...ANALYSIS, "threshold"];
  if (threshold <= 0) {
    return [
      buildFinding({
        code: "THRESHOLD_NOT_POSITIVE",
        message: `\`spec.analysis.threshold\` is ${threshold}; Flagger treats any threshold of 0 or less as 1, so the first failed check rolls the canary back (Flagger v1.44 GetAnalysisThreshold in pkg/apis/flagger/v1beta1/canary.go). Write the number of failed checks you accept, e.g. 5.`,
        path,
      }),
    ];
  }
  const intervalMs = resolveAnalysisIntervalMs(analysis?.interval);
  const delay = threshold * intervalMs;
  if (delay > ROLLBACK_DELAY_WARNING_MS) {
    return [
      buildFinding({
        code: "THRESHOLD_DELAYS_ROLLBACK",
        message: `\`spec.analysis.threshold\` is ${threshold} with an interval of ${formatDurationMs(intervalMs)}: a canary that fails every check keeps its share of live traffic for ${formatDurationMs(delay)} before Flagger rolls it back (failed checks accumulate per run and are tested at the start of each tick; Flagger v1.44 pkg/controller/scheduler.go). Lower the threshold (Flagger's examples use 5 to 10) unless that delay is intended.`,
        path,
      }),
    ];
  }
  return [];
};

/** Weights and iterations; the kubernetes provider is handled in providers.ts (it coerces them). */
export const checkStrategy: CanaryRule = ({ resolved }) => {
  const { spec, document } = resolved.canary;
  const analysis = spec.analysis;
  if (!analysis || routerFamily(resolved.provider) === "kubernetes") return [];
  const findings: PendingFinding[] = [];
  const iterations = analysis.iterations;
  const stepWeights = analysis.stepWeights;
  const stepWeight = analysis.stepWeight;

  if (iterations !== undefined && iterations <= 0 && !isWritten(document, [...ANALYSIS, "stepWeight"]) && !isWritten(document, [...ANALYSIS, "stepWeights"])) {
    findings.push(
      buildFinding({
        code: "ITERATIONS_NOT_POSITIVE",
        message: `\`spec.analysis.iterations\` is ${iterations}. Only iterations above 0 select blue/green or A/B testing, so Flagger runs a weighted canary with no step weight: the weight never leaves 0, the pre-rollout hooks re-run every tick and the rollout never finishes (Flagger v1.44 DeploymentStrategy, nextStepWeight in pkg/apis/flagger/v1beta1/canary.go, pkg/controller/scheduler.go). Set iterations to the number of checks to run, e.g. 10.`,
        path: [...ANALYSIS, "iterations"],
      }),
    );
  }

  if (analysis.maxWeight !== undefined && (stepWeights !== undefined || (iterations ?? 0) > 0)) {
    findings.push(
      buildFinding({
        code: "MAX_WEIGHT_IGNORED",
        message:
          stepWeights !== undefined
            ? `\`spec.analysis.maxWeight\` (${analysis.maxWeight}) is ignored with stepWeights: Flagger promotes at the last stepWeights element, capped at 100 (Flagger v1.44 maxWeight in pkg/controller/scheduler.go). Remove maxWeight, or end stepWeights where you want promotion to start.`
            : `\`spec.analysis.maxWeight\` (${analysis.maxWeight}) is ignored with iterations: blue/green and A/B testing never route a weighted share (Flagger v1.44 pkg/controller/scheduler.go). Remove it.`,
        path: [...ANALYSIS, "maxWeight"],
      }),
    );
  }

  if (stepWeight !== undefined && stepWeights === undefined && (iterations ?? 0) <= 0) {
    const maxWeight = analysis.maxWeight;
    if (stepWeight <= 0) {
      findings.push(
        buildFinding({
          code: "STEP_WEIGHT_NOT_POSITIVE",
          message: `\`spec.analysis.stepWeight\` is ${stepWeight}: Flagger only advances when the next step is above 0, so the canary weight stays at 0, the pre-rollout hooks re-run every tick and the rollout never finishes or fails (Flagger v1.44 advanceCanary in pkg/controller/scheduler.go). Use a step such as 10.`,
          path: [...ANALYSIS, "stepWeight"],
        }),
      );
    } else if (maxWeight !== undefined && maxWeight > 100) {
      findings.push(
        buildFinding({
          code: "MAX_WEIGHT_ABOVE_100",
          message: `\`spec.analysis.maxWeight\` is ${maxWeight}: the canary weight is clamped at 100, but Flagger promotes only once the weight reaches maxWeight, so the canary takes all traffic and is never promoted, with no failure (Flagger v1.44 runCanary in pkg/controller/scheduler.go). Use a maxWeight of 100 or less.`,
          path: [...ANALYSIS, "maxWeight"],
        }),
      );
    } else if (maxWeight !== undefined && maxWeight <= 0) {
      findings.push(
        buildFinding({
          code: "MAX_WEIGHT_NOT_POSITIVE",
          message: `\`spec.analysis.maxWeight\` is ${maxWeight}; Flagger treats 0 or less as 100, so the canary is taken to 100% of traffic before promotion (Flagger v1.44 maxWeight in pkg/controller/scheduler.go). Set the weight at which promotion should start, e.g. 50.`,
          path: [...ANALYSIS, "maxWeight"],
        }),
      );
    } else {
      const max = maxWeight ?? 100;
      if (max < 100 && max % stepWeight !== 0) {
        const last = Math.min(100, Math.ceil(max / stepWeight) * stepWeight);
        findings.push(
          buildFinding({
            code: "STEP_WEIGHT_OVERSHOOTS_MAX_WEIGHT",
            message: `stepWeight ${stepWeight} does not divide maxWeight ${max}: Flagger does not clamp at maxWeight, so the last step takes the canary to ${last}% of traffic before promotion, not ${max}% (Flagger v1.44 runCanary in pkg/controller/scheduler.go). Make maxWeight a multiple of stepWeight.`,
            path: [...ANALYSIS, "stepWeight"],
          }),
        );
      }
    }
  }

  if (stepWeights !== undefined && stepWeight === undefined && (iterations ?? 0) <= 0) findings.push(...checkStepWeights(stepWeights));

  const promotion = analysis.stepWeightPromotion;
  if (promotion !== undefined && promotion < 0) {
    findings.push(
      buildFinding({
        code: "STEP_WEIGHT_PROMOTION_NEGATIVE",
        message: `\`spec.analysis.stepWeightPromotion\` is ${promotion}: each promotion tick moves the primary weight away from 100, so Promoting never ends and the weights leave 0–100 (Flagger v1.44 runPromotionTrafficShift in pkg/controller/scheduler.go). Remove it (0 routes everything to the primary in one step) or use a positive step.`,
        path: [...ANALYSIS, "stepWeightPromotion"],
      }),
    );
  }
  return findings;
};

/** Walks the weights the way `nextStepWeight` and `maxWeight` do (docs/flagger-scheduler.md §3.3). */
function checkStepWeights(stepWeights: readonly number[]): PendingFinding[] {
  const path = [...ANALYSIS, "stepWeights"];
  if (stepWeights.length === 0) {
    return [
      buildFinding({
        code: "STEP_WEIGHTS_EMPTY",
        message: "`spec.analysis.stepWeights` is an empty list: with no stepWeight either, the next step is 0, so the canary weight never leaves 0 and the pre-rollout hooks re-run every tick (Flagger v1.44 nextStepWeight in pkg/controller/scheduler.go). List the weights, e.g. [5, 10, 25, 50].",
        path,
      }),
    ];
  }
  const findings: PendingFinding[] = [];
  stepWeights.forEach((weight, i) => {
    if (weight > 100) {
      findings.push(
        buildFinding({
          code: "STEP_WEIGHTS_ABOVE_100",
          message: `\`spec.analysis.stepWeights[${i}]\` is ${weight}: weights are clamped at 100 and promotion starts at min(100, last element) (Flagger v1.44 maxWeight, nextStepWeight in pkg/controller/scheduler.go). Keep every weight at 100 or below.`,
          path: [...path, i],
        }),
      );
    }
  });
  const maxWeight = Math.min(100, stepWeights[stepWeights.length - 1]!);
  let weight = 0;
  for (let guard = 0; guard <= stepWeights.length + 1 && weight < maxWeight; guard += 1) {
    const gap = 100 - weight;
    let step: number;
    let culprit: number | undefined;
    if (weight === 0) {
      step = Math.min(gap, stepWeights[0]!);
      culprit = 0;
    } else {
      const i = stepWeights.findIndex((w, j) => j < stepWeights.length - 1 && w === weight);
      step = i === -1 ? gap : Math.min(gap, stepWeights[i + 1]! - weight);
      culprit = i === -1 ? undefined : i + 1;
    }
    if (step <= 0) {
      findings.push(
        culprit === 0
          ? buildFinding({
              code: "STEP_WEIGHTS_NOT_POSITIVE",
              message: `\`spec.analysis.stepWeights[0]\` is ${stepWeights[0]}: the first step is ${stepWeights[0]}, so the canary weight never leaves 0, the pre-rollout hooks re-run every tick and the rollout never finishes or fails (Flagger v1.44 nextStepWeight in pkg/controller/scheduler.go). Start with a positive weight such as 5.`,
              path: [...path, 0],
            })
          : buildFinding({
              code: "STEP_WEIGHTS_NOT_INCREASING",
              message: `\`spec.analysis.stepWeights\` goes from ${weight} to ${stepWeights[culprit!]}: Flagger steps by the difference, which is not positive, so the canary stays at ${weight}% forever, with no promotion and no failure (Flagger v1.44 nextStepWeight in pkg/controller/scheduler.go). Make the weights strictly increasing.`,
              path: [...path, culprit!],
            }),
      );
      break;
    }
    weight = Math.min(100, weight + step);
  }
  return findings;
}

export const checkReadyThresholds: CanaryRule = ({ resolved }) => {
  const analysis = resolved.canary.spec.analysis;
  const findings: PendingFinding[] = [];
  for (const field of ["primaryReadyThreshold", "canaryReadyThreshold"] as const) {
    const value = analysis?.[field];
    if (value === undefined) continue;
    const which = field === "primaryReadyThreshold" ? "primary" : "canary";
    if (value > 100) {
      // isDeploymentReady wants floor(updated × t/100) available replicas: more than exist from this many on.
      let replicas = 1;
      while (Math.floor((replicas * value) / 100) <= replicas && replicas < 10_000) replicas += 1;
      findings.push(
        buildFinding({
          code: "READY_THRESHOLD_ABOVE_100",
          message: `\`spec.analysis.${field}\` is ${value}%: from ${replicas} replica${replicas === 1 ? "" : "s"} on, Flagger waits for more available ${which} replicas than exist. A healthy Deployment stays Available, so the wait is "retriable" forever: no progress, no rollback, no deadline${which === "primary" ? "; it blocks every future rollout" : ""} (Flagger v1.44 isDeploymentReady in pkg/canary/deployment_ready.go). Use a percentage of at most 100.`,
          path: [...ANALYSIS, field],
        }),
      );
    } else if (value <= 0) {
      findings.push(
        buildFinding({
          code: "READY_THRESHOLD_NOT_POSITIVE",
          message: `\`spec.analysis.${field}\` is ${value}: Flagger then requires no available ${which} replicas at all, so the availability check is off and only the rollout-progress checks remain (Flagger v1.44 isDeploymentReady in pkg/canary/deployment_ready.go). Remove it (default 100) or give the percentage of replicas that must be available.`,
          path: [...ANALYSIS, field],
        }),
      );
    }
  }
  return findings;
};

export const checkSessionAffinity: CanaryRule = ({ resolved }) => {
  const affinity = resolved.canary.spec.analysis?.sessionAffinity;
  if (!affinity || affinity.cookieName === undefined) return [];
  const primary = affinity.primaryCookieName ?? "";
  if (affinity.cookieName !== primary) return [];
  return [
    buildFinding({
      code: "SESSION_AFFINITY_SAME_COOKIE",
      message:
        primary === ""
          ? "`spec.analysis.sessionAffinity.cookieName` is empty and there is no primaryCookieName: Flagger compares the two names, finds them equal and refuses the Canary (\"can't use the same cookie name for both primary and cookie name\"); it is never scheduled and only the controller log says why (Flagger v1.44 verifySessionAffinity in pkg/controller/controller.go). Give the canary cookie a name such as flagger-cookie."
          : `\`spec.analysis.sessionAffinity\` uses ${JSON.stringify(primary)} for both cookieName and primaryCookieName: Flagger refuses the Canary ("can't use the same cookie name for both primary and cookie name"); it is never scheduled and only the controller log says why (Flagger v1.44 verifySessionAffinity in pkg/controller/controller.go). Give the two cookies different names.`,
      path: [...ANALYSIS, "sessionAffinity", affinity.primaryCookieName !== undefined ? "primaryCookieName" : "cookieName"],
    }),
  ];
};

export const checkMatchWithoutIterations: CanaryRule = ({ resolved }) => {
  const analysis = resolved.canary.spec.analysis;
  if (!analysis?.match?.length || (analysis.iterations ?? 0) > 0) return [];
  const family = routerFamily(resolved.provider);
  if (family === "kubernetes") return [];
  const routing =
    family === "istio" || family === "gatewayapi"
      ? "the router still builds the A/B layout, so the weights apply only to requests that match and every other request stays on the primary"
      : family === "nginx" || family === "contour" || family === "appmesh" || family === "gloo"
        ? "the router still applies the match, so matching requests follow the A/B rules while the weights move"
        : `the ${family} router ignores match, so it is a plain weighted canary`;
  return [
    buildFinding({
      code: "MATCH_WITHOUT_ITERATIONS",
      message: `\`spec.analysis.match\` is set without iterations: Flagger runs a weighted canary (A/B testing needs match and iterations), and ${routing} (Flagger v1.44 DeploymentStrategy in pkg/apis/flagger/v1beta1/canary.go). For an A/B test replace stepWeight/stepWeights with iterations; for a weighted canary remove match.`,
      path: [...ANALYSIS, "match"],
      at: "key",
    }),
  ];
};

export const checkMetricsPresent: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  if (!spec.analysis || spec.skipAnalysis === true || (spec.analysis.metrics?.length ?? 0) > 0) return [];
  return [
    buildFinding({
      code: "ANALYSIS_WITHOUT_METRICS",
      message: "`spec.analysis` has no metrics: every analysis tick passes unless a webhook fails, so Flagger promotes whatever the canary does (Flagger v1.44 pkg/controller/scheduler.go; step 14). Add request-success-rate and request-duration (or your own MetricTemplates) so that a failing canary is rolled back.",
      path: [...ANALYSIS],
      at: "key",
    }),
  ];
};
