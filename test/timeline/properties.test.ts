/**
 * Properties of the simulation over generated Canaries (fast-check): weights stay a split of 100,
 * ticks advance by the interval, every run ends, and the STALL specs of docs/flagger-scheduler.md §2
 * are reported as stalls.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SIMULATION_LIMITS } from "../../src/limits.js";
import type { Timeline } from "../../src/timeline/types.js";
import { canaryYaml, timelineOf } from "./helpers.js";

const provider = fc.constantFrom("istio", "linkerd", "nginx", "gatewayapi:v1", "contour", "kubernetes", "appmesh", "smi:v1alpha3");
const interval = fc.constantFrom("10s", "30s", "1m", "5m", "90s");
const hooks = fc.subarray(["pre-rollout", "rollout", "confirm-promotion", "confirm-traffic-increase", "rollback", "post-rollout"]);
const metrics = fc.boolean();

/** Valid specs of every strategy. */
const validAnalysis = fc.oneof(
  fc.record({ stepWeight: fc.integer({ min: 1, max: 100 }), maxWeight: fc.integer({ min: 1, max: 100 }), stepWeightPromotion: fc.integer({ min: 0, max: 100 }), mirror: fc.boolean() }).map((a) => ({ ...a, kind: "step" as const })),
  fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }).map((w) => ({ stepWeights: [...w].sort((a, b) => a - b), kind: "ladder" as const })),
  fc.record({ iterations: fc.integer({ min: 1, max: 20 }), match: fc.boolean(), mirror: fc.boolean() }).map((a) => ({ ...a, kind: "iterations" as const })),
);

function render(params: { analysis: Record<string, unknown>; provider: string; interval: string; threshold: number; hooks: string[]; metrics: boolean }): string {
  const a = params.analysis;
  const lines = [`    interval: ${params.interval}`, `    threshold: ${params.threshold}`];
  for (const key of ["stepWeight", "maxWeight", "stepWeightPromotion", "iterations"]) if (typeof a[key] === "number") lines.push(`    ${key}: ${a[key]}`);
  if (Array.isArray(a.stepWeights)) lines.push(`    stepWeights: [${a.stepWeights.join(", ")}]`);
  if (a.mirror === true) lines.push("    mirror: true");
  if (a.match === true) lines.push("    match:\n      - headers:\n          x-canary: {exact: \"1\"}");
  if (params.hooks.length > 0) lines.push("    webhooks:", ...params.hooks.map((t) => `      - name: ${t}-hook\n        type: ${t}\n        url: http://hooks/`));
  if (params.metrics) lines.push("    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}");
  return canaryYaml({ analysis: lines.join("\n"), spec: `  provider: ${params.provider}\n` });
}

function checkShape(timeline: Timeline): void {
  expect(timeline.ticks.length).toBeGreaterThan(0);
  expect(timeline.ticks.length).toBeLessThanOrEqual(SIMULATION_LIMITS.maxTicks + 1);
  timeline.ticks.forEach((t, i) => {
    expect(t.tick).toBe(i);
    expect(t.seconds).toBe(i * timeline.intervalSeconds);
    expect(t.primaryWeight + t.canaryWeight).toBe(100);
    expect(t.primaryWeight).toBeGreaterThanOrEqual(0);
    expect(t.canaryWeight).toBeGreaterThanOrEqual(0);
    expect(t.statusCanaryWeight).toBeGreaterThanOrEqual(0);
    expect(t.statusCanaryWeight).toBeLessThanOrEqual(100);
  });
}

const specArbitrary = fc.record({ analysis: validAnalysis, provider, interval, threshold: fc.integer({ min: 1, max: 10 }), hooks, metrics });

describe("simulation properties (flagger-scheduler.md §3)", () => {
  it("valid specs: weights split 100, ticks advance by the interval, the run succeeds within the horizon", () => {
    fc.assert(
      fc.property(specArbitrary, (params) => {
        const timeline = timelineOf(render(params));
        checkShape(timeline);
        // Progressive mirroring needs Istio over HTTP; elsewhere it is a STALL row (§2).
        const mirrorStall = params.analysis.kind === "step" && params.analysis.mirror && params.provider !== "istio" && params.provider !== "kubernetes";
        if (mirrorStall) {
          expect(timeline.stall).toBeDefined();
        } else {
          expect(timeline.stall).toBeUndefined();
          expect(timeline.ticks.at(-1)!.phase).toBe("Succeeded");
          expect(timeline.minSecondsToPromotion).toBe(timeline.ticks.at(-1)!.seconds);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("with checks failing from any tick, every run ends Failed or Succeeded, and a rollback comes threshold ticks after the first failure", () => {
    fc.assert(
      fc.property(specArbitrary, fc.integer({ min: 0, max: 40 }), (params, failFrom) => {
        const timeline = timelineOf(render(params), { failFromTick: failFrom });
        checkShape(timeline);
        const last = timeline.ticks.at(-1)!;
        if (timeline.stall) return;
        expect(["Failed", "Succeeded"]).toContain(last.phase);
        if (last.phase === "Failed") {
          const firstFailure = timeline.ticks.findIndex((t) => t.failedChecks > 0);
          expect(last.tick - firstFailure).toBe(timeline.threshold);
          // A spec that stalls on the happy path has no worst case to compare with.
          if (timeline.worstCaseSecondsToRollback !== null) expect(last.seconds).toBeLessThanOrEqual(timeline.worstCaseSecondsToRollback);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the worst-case rollback is the latest rollback over every fail-from tick", () => {
    fc.assert(
      fc.property(specArbitrary, (params) => {
        const yaml = render(params);
        const timeline = timelineOf(yaml);
        if (timeline.stall || timeline.minSecondsToPromotion === null) return;
        let latest: number | null = null;
        for (let k = 0; k <= timeline.ticks.length; k++) {
          const run = timelineOf(yaml, { failFromTick: k });
          if (run.ticks.at(-1)!.phase === "Failed") latest = Math.max(latest ?? 0, run.ticks.at(-1)!.seconds);
        }
        expect(timeline.worstCaseSecondsToRollback).toBe(latest);
      }),
      { numRuns: 150 },
    );
  });

  /** The STALL rows of docs/flagger-scheduler.md §2 that change the schedule. */
  const stallAnalysis = fc.oneof(
    fc.constant({ stepWeight: 0 }),
    fc.integer({ min: 101, max: 500 }).map((maxWeight) => ({ stepWeight: 25, maxWeight })),
    fc.integer({ min: -50, max: -1 }).map((stepWeightPromotion) => ({ stepWeight: 50, stepWeightPromotion })),
    fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: -50, max: -1 })).map(([iterations, stepWeightPromotion]) => ({ iterations, stepWeightPromotion })),
    fc.tuple(fc.integer({ min: 20, max: 60 }), fc.integer({ min: 1, max: 19 })).map(([a, b]) => ({ stepWeights: [a, b, 90] })),
    fc.integer({ min: 1, max: 50 }).map((a) => ({ stepWeights: [a, a, 90] })),
    fc.constant({ stepWeight: 10, primaryReadyThreshold: 101 }),
    fc.constant({ iterations: 3, canaryReadyThreshold: 150 }),
    fc.constant({ stepWeight: 10, mirror: true, provider: "linkerd" }),
    fc.constant({ stepWeight: 10, mirror: true, provider: "gatewayapi:v1" }),
  );
  const renderStall = (analysis: Record<string, unknown>, p: string, i: string, h: string[], withMetric: boolean) => {
    const { provider: forced, ...fields } = analysis;
    const lines = [`    interval: ${i}`, "    threshold: 2", ...Object.entries(fields).map(([k, v]) => `    ${k}: ${Array.isArray(v) ? `[${v.join(", ")}]` : String(v)}`)];
    if (h.length > 0) lines.push("    webhooks:", ...h.map((t) => `      - name: ${t}-hook\n        type: ${t}\n        url: http://hooks/`));
    if (withMetric) lines.push("    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}");
    return canaryYaml({ analysis: lines.join("\n"), spec: `  provider: ${typeof forced === "string" ? forced : p}\n` });
  };

  it("STALL specs are reported as stalls, never as a loop (flagger-scheduler.md §2)", () => {
    fc.assert(
      fc.property(stallAnalysis, fc.constantFrom("istio", "linkerd", "nginx"), interval, hooks, metrics, (analysis, p, i, h, m) => {
        const timeline = timelineOf(renderStall(analysis, p, i, h, m));
        checkShape(timeline);
        expect(timeline.stall).toBeDefined();
        expect(timeline.stall!.tick).toBe(timeline.ticks.at(-1)!.tick);
        expect(timeline.minSecondsToPromotion).toBeNull();
        expect(timeline.worstCaseSecondsToRollback).toBeNull();
        expect(timeline.ticks.length).toBeLessThan(SIMULATION_LIMITS.maxTicks);
      }),
      { numRuns: 200 },
    );
  });

  it("STALL specs with checks failing from any tick end Failed, Succeeded or in a stall, well within the horizon (flagger-scheduler.md §2, §3.5)", () => {
    fc.assert(
      fc.property(stallAnalysis, fc.constantFrom("istio", "linkerd", "nginx"), interval, hooks, metrics, fc.integer({ min: 0, max: 30 }), (analysis, p, i, h, m, failFrom) => {
        const timeline = timelineOf(renderStall(analysis, p, i, h, m), { failFromTick: failFrom });
        checkShape(timeline);
        const last = timeline.ticks.at(-1)!;
        expect(timeline.stall !== undefined || last.phase === "Failed" || last.phase === "Succeeded").toBe(true);
        // A fixed point is recognised once every later tick fails alike: no run walks to the horizon.
        expect(last.tick).toBeLessThanOrEqual(failFrom + 3 + 100);
      }),
      { numRuns: 200 },
    );
  });
});
