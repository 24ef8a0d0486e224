/**
 * The policy diff: a plain-language list of safety-relevant changes between the base and head
 * versions of one Canary, with loosened safety flagged. "Loosened" means the change lets a bad
 * revision reach more users, or for longer, or with fewer checks, before Flagger rolls it back.
 */
import { formatDurationMs, resolveAnalysisIntervalMs } from "../canary/duration.js";
import type { CanaryAnalysis, CanaryMetric, CanarySpec, CanaryWebhook } from "../canary/crd.js";

export type PolicyEffect = "loosened" | "tightened" | "neutral";

export interface PolicyChange {
  /** The spec field the change is about, e.g. `analysis.maxWeight`. */
  field: string;
  /** One sentence for a reviewer: what changed and what it means. */
  summary: string;
  effect: PolicyEffect;
}

const GATE_TYPES = new Set(["confirm-rollout", "confirm-traffic-increase", "confirm-promotion"]);

/** Compares two Canary specs (undefined = the Canary does not exist on that side). */
export function buildPolicyDiff(params: { base?: CanarySpec; head?: CanarySpec }): PolicyChange[] {
  const { base, head } = params;
  if (!base || !head) return [];
  const changes: PolicyChange[] = [];
  const a = base.analysis ?? {};
  const b = head.analysis ?? {};

  if ((base.skipAnalysis ?? false) !== (head.skipAnalysis ?? false)) {
    changes.push(
      head.skipAnalysis
        ? { field: "skipAnalysis", summary: "skipAnalysis turned on: the next revision is promoted without any analysis, metric check or webhook test.", effect: "loosened" }
        : { field: "skipAnalysis", summary: "skipAnalysis turned off: revisions are analysed again before promotion.", effect: "tightened" },
    );
  }
  if ((base.suspend ?? false) !== (head.suspend ?? false)) {
    changes.push({
      field: "suspend",
      summary: head.suspend ? "suspend turned on: Flagger freezes this Canary where it is; new revisions are not analysed or promoted." : "suspend turned off: Flagger resumes this Canary.",
      effect: "neutral",
    });
  }
  if ((base.provider ?? "") !== (head.provider ?? "")) {
    changes.push({ field: "provider", summary: `provider changed from ${base.provider ?? "(controller default)"} to ${head.provider ?? "(controller default)"}: Flagger rebuilds the routing objects.`, effect: "neutral" });
  }
  const maxBefore = effectiveMaxWeight(a);
  const maxAfter = effectiveMaxWeight(b);
  if ((maxBefore === undefined) !== (maxAfter === undefined)) {
    // The field may still be written: what changed is whether the strategy reads it. Saying
    // "removed" while `maxWeight: 50` is still in the file would be false.
    const side = maxAfter === undefined ? b : a;
    const why = side.iterations !== undefined && side.iterations > 0 ? "iterations route by test or all at once, not by weight steps" : "there is no stepWeight to climb";
    changes.push({
      field: "analysis.maxWeight",
      summary:
        maxAfter === undefined
          ? `the canary's weight cap (${maxBefore}%) no longer applies: ${why}${b.maxWeight !== undefined ? ` (maxWeight ${b.maxWeight} is still set but unused)` : ""}.`
          : `the canary's traffic now climbs to ${maxAfter}% (before, ${why}).`,
      effect: "neutral",
    });
  }
  compareNumber(changes, {
    field: "analysis.maxWeight",
    before: maxBefore === undefined || maxAfter === undefined ? undefined : maxBefore,
    after: maxBefore === undefined || maxAfter === undefined ? undefined : maxAfter,
    unit: "%",
    higherIs: "loosened",
    why: (up) => (up ? "more users reach the canary before promotion" : "fewer users reach the canary before promotion"),
  });
  compareNumber(changes, {
    field: "analysis.stepWeight",
    before: a.stepWeight,
    after: b.stepWeight,
    unit: "%",
    higherIs: "loosened",
    why: (up) => (up ? "traffic moves to the canary in bigger steps" : "traffic moves to the canary in smaller steps"),
  });
  if (JSON.stringify(a.stepWeights ?? null) !== JSON.stringify(b.stepWeights ?? null)) {
    changes.push({
      field: "analysis.stepWeights",
      summary: `stepWeights changed from ${formatList(a.stepWeights)} to ${formatList(b.stepWeights)}.`,
      effect: compareLadders(a.stepWeights, b.stepWeights),
    });
  }
  compareNumber(changes, {
    field: "analysis.iterations",
    before: a.iterations,
    after: b.iterations,
    unit: "",
    higherIs: "tightened",
    why: (up) => (up ? "the canary is analysed for more intervals before promotion" : "the canary is analysed for fewer intervals before promotion"),
  });
  compareNumber(changes, {
    field: "analysis.threshold",
    before: a.threshold,
    after: b.threshold,
    unit: "",
    higherIs: "loosened",
    why: (up) => (up ? "more failed checks are tolerated before rollback" : "fewer failed checks are tolerated before rollback"),
  });
  if ((a.interval ?? "") !== (b.interval ?? "")) {
    // Compare what Flagger schedules with, not the text: "60s" → "1m" is no change, and "5s" is 10s.
    const before = resolveAnalysisIntervalMs(a.interval);
    const after = resolveAnalysisIntervalMs(b.interval);
    const what = after < before ? "every step and check comes sooner, with less time to observe each step" : after > before ? "every step and check waits longer" : `Flagger still runs every ${formatDurationMs(after)}`;
    changes.push({
      field: "analysis.interval",
      // The CRD requires an interval, so a missing one here was absent or refused by its pattern
      // (e.g. "1x", left out of the model): the API server rejects that version.
      summary:
        a.interval === undefined || b.interval === undefined
          ? `interval changed from ${a.interval ?? "a missing or invalid value"} to ${b.interval ?? "a missing or invalid value"}: the API server rejects a Canary without a valid interval (it requires digits followed by m or s).`
          : `interval changed from ${a.interval} to ${b.interval}: ${what}.`,
      effect: a.interval === undefined || b.interval === undefined ? "neutral" : after < before ? "loosened" : after > before ? "tightened" : "neutral",
    });
  }
  compareNumber(changes, {
    field: "analysis.stepWeightPromotion",
    before: a.stepWeightPromotion,
    after: b.stepWeightPromotion,
    unit: "%",
    higherIs: "neutral",
    why: () => "promotion shifts traffic back to the primary at a different pace",
  });
  if ((a.mirror ?? false) !== (b.mirror ?? false)) {
    changes.push({
      field: "analysis.mirror",
      summary: b.mirror ? "traffic mirroring turned on: the canary first sees copies of requests." : "traffic mirroring turned off.",
      effect: b.mirror ? "tightened" : "loosened",
    });
  }
  if (JSON.stringify(a.match ?? []) !== JSON.stringify(b.match ?? [])) {
    changes.push({ field: "analysis.match", summary: "the A/B match conditions changed: a different set of requests reaches the canary.", effect: "neutral" });
  }
  if (Boolean(a.sessionAffinity) !== Boolean(b.sessionAffinity)) {
    changes.push({
      field: "analysis.sessionAffinity",
      summary: b.sessionAffinity
        ? `session affinity turned on (cookie ${b.sessionAffinity.cookieName ?? ""}): a user routed to the canary stays on it for the rest of the run.`
        : "session affinity turned off: each request is routed by weight alone.",
      effect: "neutral",
    });
  }
  const exposure = (spec: CanarySpec) => JSON.stringify([spec.service?.gateways ?? [], spec.service?.hosts ?? [], spec.service?.gatewayRefs ?? []]);
  if (exposure(base) !== exposure(head)) {
    const list = (spec: CanarySpec) => [...(spec.service?.gateways ?? []), ...(spec.service?.gatewayRefs ?? []).map((g) => `${g.namespace ? `${g.namespace}/` : ""}${g.name ?? ""}`)].join(", ") || "none (mesh only)";
    changes.push({
      field: "service.gateways",
      summary: `the canary is reached through different gateways or hosts: gateways ${list(base)} → ${list(head)}; hosts ${(base.service?.hosts ?? []).join(", ") || "none"} → ${(head.service?.hosts ?? []).join(", ") || "none"}.`,
      effect: "neutral",
    });
  }
  compareMetrics(changes, a.metrics ?? [], b.metrics ?? []);
  compareWebhooks(changes, a.webhooks ?? [], b.webhooks ?? []);
  if ((base.progressDeadlineSeconds ?? 600) !== (head.progressDeadlineSeconds ?? 600)) {
    changes.push({
      field: "progressDeadlineSeconds",
      summary: `progressDeadlineSeconds changed from ${base.progressDeadlineSeconds ?? "600 (default)"} to ${head.progressDeadlineSeconds ?? "600 (default)"}: this is how long an unavailable canary may stay unavailable before rollback; it does not cap the analysis.`,
      effect: (head.progressDeadlineSeconds ?? 600) > (base.progressDeadlineSeconds ?? 600) ? "loosened" : "tightened",
    });
  }
  return changes;
}

/** Flagger's maxWeight: the last stepWeights element (capped at 100), else maxWeight > 0, else 100. */
function effectiveMaxWeight(analysis: CanaryAnalysis): number | undefined {
  if (analysis.iterations !== undefined && analysis.iterations > 0) return undefined;
  const ladder = analysis.stepWeights;
  if (ladder && ladder.length > 0) return Math.min(100, ladder[ladder.length - 1]!);
  if (analysis.stepWeight === undefined) return undefined;
  return analysis.maxWeight !== undefined && analysis.maxWeight > 0 ? analysis.maxWeight : 100;
}

function compareNumber(
  changes: PolicyChange[],
  params: { field: string; before?: number; after?: number; unit: string; higherIs: PolicyEffect; why: (up: boolean) => string },
): void {
  const { before, after } = params;
  if (before === after) return;
  const name = params.field.split(".").pop()!;
  const show = (v: number | undefined) => (v === undefined ? "(unset)" : `${v}${params.unit}`);
  if (before === undefined || after === undefined) {
    changes.push({ field: params.field, summary: `${name} ${after === undefined ? "removed" : "set"}: ${show(before)} → ${show(after)}.`, effect: "neutral" });
    return;
  }
  const up = after > before;
  const effect: PolicyEffect = params.higherIs === "neutral" ? "neutral" : up === (params.higherIs === "loosened") ? "loosened" : "tightened";
  changes.push({ field: params.field, summary: `${name} ${show(before)} → ${show(after)}: ${params.why(up)}.`, effect });
}

function compareLadders(before: number[] | undefined, after: number[] | undefined): PolicyEffect {
  if (!before?.length || !after?.length) return "neutral";
  const maxBefore = before[before.length - 1]!;
  const maxAfter = after[after.length - 1]!;
  if (maxAfter > maxBefore || after.length < before.length) return "loosened";
  if (maxAfter < maxBefore || after.length > before.length) return "tightened";
  return "neutral";
}

function metricKey(metric: CanaryMetric): string {
  return metric.name ?? "";
}

function compareMetrics(changes: PolicyChange[], before: CanaryMetric[], after: CanaryMetric[]): void {
  const beforeByName = new Map(before.map((m) => [metricKey(m), m]));
  const afterByName = new Map(after.map((m) => [metricKey(m), m]));
  for (const [name, metric] of beforeByName) {
    if (!afterByName.has(name)) {
      changes.push({ field: `analysis.metrics[${name}]`, summary: `metric ${name} removed: it no longer gates promotion.`, effect: "loosened" });
      continue;
    }
    const next = afterByName.get(name)!;
    const loosened = describeThresholdChange(name, metric, next);
    if (loosened) changes.push(loosened);
    if ((metric.interval ?? "") !== (next.interval ?? "")) {
      changes.push({ field: `analysis.metrics[${name}].interval`, summary: `metric ${name} now looks at a ${next.interval ?? "default"} window (was ${metric.interval ?? "default"}).`, effect: "neutral" });
    }
    if (JSON.stringify(metric.templateRef ?? null) !== JSON.stringify(next.templateRef ?? null) || (metric.query ?? "") !== (next.query ?? "")) {
      changes.push({ field: `analysis.metrics[${name}]`, summary: `metric ${name} now runs a different query or template.`, effect: "neutral" });
    }
  }
  for (const name of afterByName.keys()) {
    if (!beforeByName.has(name)) changes.push({ field: `analysis.metrics[${name}]`, summary: `metric ${name} added: it now gates promotion.`, effect: "tightened" });
  }
}

/**
 * A threshold is loosened when the accepted range grows: a lower minimum, a higher maximum, or a
 * bound removed. Legacy `threshold` is a minimum for request-success-rate and a maximum for every
 * other metric (docs/flagger-scheduler.md §6.5).
 */
function describeThresholdChange(name: string, before: CanaryMetric, after: CanaryMetric): PolicyChange | undefined {
  const range = (m: CanaryMetric) => {
    if (m.thresholdRange) return { min: m.thresholdRange.min, max: m.thresholdRange.max };
    if (m.threshold !== undefined) return name === "request-success-rate" ? { min: m.threshold, max: undefined } : { min: undefined, max: m.threshold };
    return { min: undefined, max: undefined };
  };
  const r0 = range(before);
  const r1 = range(after);
  if (r0.min === r1.min && r0.max === r1.max) return undefined;
  const wider = (r0.min !== undefined && (r1.min === undefined || r1.min < r0.min)) || (r0.max !== undefined && (r1.max === undefined || r1.max > r0.max));
  const narrower = (r1.min !== undefined && (r0.min === undefined || r1.min > r0.min)) || (r1.max !== undefined && (r0.max === undefined || r1.max < r0.max));
  const show = (r: { min?: number; max?: number }) => `${r.min ?? "-∞"}…${r.max ?? "∞"}`;
  return {
    field: `analysis.metrics[${name}].thresholdRange`,
    summary: `metric ${name} accepts ${show(r1)} (was ${show(r0)})${wider && !narrower ? ": worse values now pass" : ""}.`,
    effect: wider && !narrower ? "loosened" : narrower && !wider ? "tightened" : "neutral",
  };
}

function compareWebhooks(changes: PolicyChange[], before: CanaryWebhook[], after: CanaryWebhook[]): void {
  const key = (w: CanaryWebhook) => `${w.type || "rollout"}:${w.name ?? ""}`;
  const beforeKeys = new Map(before.map((w) => [key(w), w]));
  const afterKeys = new Map(after.map((w) => [key(w), w]));
  for (const [k, hook] of beforeKeys) {
    if (afterKeys.has(k)) continue;
    const type = hook.type || "rollout";
    changes.push({
      field: `analysis.webhooks[${hook.name}]`,
      summary: GATE_TYPES.has(type) ? `${type} gate ${hook.name} removed: Flagger no longer waits for approval there.` : `${type} webhook ${hook.name} removed.`,
      effect: GATE_TYPES.has(type) || type === "pre-rollout" || type === "rollout" || type === "rollback" ? "loosened" : "neutral",
    });
  }
  for (const [k, hook] of afterKeys) {
    if (beforeKeys.has(k)) continue;
    const type = hook.type || "rollout";
    changes.push({
      field: `analysis.webhooks[${hook.name}]`,
      summary: GATE_TYPES.has(type) ? `${type} gate ${hook.name} added: Flagger waits for approval there.` : `${type} webhook ${hook.name} added.`,
      effect: GATE_TYPES.has(type) || type === "pre-rollout" || type === "rollout" || type === "rollback" ? "tightened" : "neutral",
    });
  }
}

function formatList(list: number[] | undefined): string {
  return list ? `[${list.join(", ")}]` : "(unset)";
}
