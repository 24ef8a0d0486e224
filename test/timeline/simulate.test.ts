/**
 * Unit tests of the scheduler model: the strategy plan (strategy.ts), whole ticks, robustness on
 * any model, the notes about status traps and metric windows, and the edges of `failFromTick`.
 * Scenario-level sequences are in scenarios.test.ts; generated specs in properties.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CanarySpec } from "../../src/canary/crd.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { buildStrategyPlan, describeStrategy, detectStrategy, nextStepWeight } from "../../src/timeline/strategy.js";
import { simulateRollout } from "../../src/timeline/simulate.js";
import type { TimelineTick } from "../../src/timeline/types.js";
import { canaryYaml, phases, resolveFirstCanary, timelineOf, weights } from "./helpers.js";

const PODINFO = readFileSync(join(import.meta.dirname, "../../fixtures/timeline/podinfo-canary.yaml"), "utf8");
const settings = DEFAULT_CONTROLLER_SETTINGS;

describe("detectStrategy (flagger-scheduler.md §1.3 DeploymentStrategy, §3.2 step 15)", () => {
  const cases: Array<[string, CanarySpec, string, string]> = [
    ["stepWeight", { analysis: { stepWeight: 10 } }, "istio", "canary"],
    ["stepWeights", { analysis: { stepWeights: [5, 50] } }, "linkerd", "canary"],
    ["canary + mirror", { analysis: { stepWeight: 10, mirror: true } }, "istio", "canary-mirror"],
    ["iterations", { analysis: { iterations: 5 } }, "nginx", "blue-green"],
    ["iterations + mirror on Istio", { analysis: { iterations: 5, mirror: true } }, "istio", "blue-green-mirror"],
    ["iterations + mirror on Gateway API", { analysis: { iterations: 5, mirror: true } }, "gatewayapi:v1", "blue-green-mirror"],
    ["iterations + mirror where the router cannot mirror (§2 WARN)", { analysis: { iterations: 5, mirror: true } }, "linkerd", "blue-green"],
    ["iterations + match", { analysis: { iterations: 5, match: [{ headers: { x: { exact: "1" } } }] } }, "istio", "ab-testing"],
    ["match without iterations stays canary (§2 WARN)", { analysis: { stepWeight: 10, match: [{ headers: { x: { exact: "1" } } }] } }, "istio", "canary"],
    ["iterations win over stepWeight (§2 REJECT row)", { analysis: { iterations: 3, stepWeight: 10 } }, "istio", "blue-green"],
    ["kubernetes forces blue/green", { analysis: { stepWeight: 10 } }, "kubernetes", "blue-green"],
    ["kubernetes drops match", { analysis: { iterations: 3, match: [{ headers: { x: { exact: "1" } } }] } }, "kubernetes", "blue-green"],
    ["kubernetes ignores mirror", { analysis: { iterations: 3, mirror: true } }, "kubernetes", "blue-green"],
    ["skipAnalysis", { skipAnalysis: true, analysis: { stepWeight: 10 } }, "istio", "skip-analysis"],
    ["no analysis at all (§3.7)", {}, "istio", "skip-analysis"],
  ];
  for (const [label, spec, provider, expected] of cases) {
    it(`${label} → ${expected}`, () => {
      expect(detectStrategy(spec, provider)).toBe(expected);
    });
  }

  it("provider kubernetes forces 10 iterations only when the Canary sets fewer than 1 (§3.2 step 15)", () => {
    expect(buildStrategyPlan({ analysis: { stepWeight: 10 } }, "kubernetes")).toMatchObject({ iterations: 10, forcedBlueGreen: true, noRouting: true });
    expect(buildStrategyPlan({ analysis: { iterations: 4 } }, "kubernetes")).toMatchObject({ iterations: 4, forcedBlueGreen: false });
  });

  it("maxWeight: the last stepWeights element capped at 100, else maxWeight > 0, else 100 (§3.3)", () => {
    expect(buildStrategyPlan({ analysis: { stepWeights: [10, 150], maxWeight: 20 } }, "istio").maxWeight).toBe(100);
    expect(buildStrategyPlan({ analysis: { stepWeights: [10, 40], maxWeight: 20 } }, "istio").maxWeight).toBe(40);
    expect(buildStrategyPlan({ analysis: { stepWeight: 10, maxWeight: 30 } }, "istio").maxWeight).toBe(30);
    expect(buildStrategyPlan({ analysis: { stepWeight: 10, maxWeight: 0 } }, "istio").maxWeight).toBe(100);
  });
});

describe("nextStepWeight (flagger-scheduler.md §3.3)", () => {
  const ladder = buildStrategyPlan({ analysis: { stepWeights: [1, 5, 25, 60] } }, "istio");
  it("walks the ladder element by element, from 0 to the first element", () => {
    expect([0, 1, 5, 25].map((w) => nextStepWeight(ladder, w))).toEqual([1, 4, 20, 35]);
  });
  it("jumps to 100 from a weight that is not on the ladder, and returns 1 at 100", () => {
    expect(nextStepWeight(ladder, 60)).toBe(40);
    expect(nextStepWeight(ladder, 7)).toBe(93);
    expect(nextStepWeight(ladder, 100)).toBe(1);
  });
  it("is stepWeight whenever stepWeight > 0 or there is no ladder, even when it is 0", () => {
    expect(nextStepWeight(buildStrategyPlan({ analysis: { stepWeight: 30, stepWeights: [5, 50] } }, "istio"), 0)).toBe(30);
    expect(nextStepWeight(buildStrategyPlan({ analysis: { stepWeight: 0 } }, "istio"), 0)).toBe(0);
  });
  it("goes negative on a ladder that goes down (§2 STALL row)", () => {
    expect(nextStepWeight(buildStrategyPlan({ analysis: { stepWeights: [10, 5, 50] } }, "istio"), 10)).toBe(-5);
  });
});

describe("describeStrategy: one line for people", () => {
  const line = (spec: CanarySpec, provider = "istio") => describeStrategy({ spec, provider });
  it("describes each strategy with its numbers", () => {
    expect(line({ analysis: { stepWeight: 10, maxWeight: 50 } })).toBe("canary: 10% steps up to 50%, promotion in one step");
    expect(line({ analysis: { stepWeight: 20, maxWeight: 50, stepWeightPromotion: 25 } })).toBe("canary: 20% steps up to 60% (maxWeight 50), promotion in 25% steps");
    expect(line({ analysis: { stepWeight: 10, maxWeight: 50, mirror: true } })).toBe("canary: 10% steps up to 50%, one mirrored step first, promotion in one step");
    expect(line({ analysis: { iterations: 10, match: [{ headers: { "x-canary": { exact: "insider" } } }] } })).toBe(
      "A/B testing: 10 iterations for requests matching header x-canary, promotion in one step",
    );
    expect(line({ analysis: { iterations: 10, mirror: true } })).toBe("blue/green: 10 iterations, traffic mirrored to the canary, promotion in one step");
    expect(line({ analysis: { stepWeight: 10 } }, "kubernetes")).toBe("blue/green: 10 iterations (provider kubernetes forces blue/green)");
    expect(line({ skipAnalysis: true, analysis: { stepWeight: 10 } })).toBe("skipAnalysis: promoted without checks");
    expect(line({})).toBe("no analysis: promoted without checks");
  });
});

describe("whole ticks of the podinfo Canary (flagger-scheduler.md §3.2, seed-flagger-istio-notes.md)", () => {
  const timeline = timelineOf(PODINFO);

  it("tick 0 is detection only: Progressing, counters 0, nothing else (§3.2 step 6)", () => {
    expect(timeline.ticks[0]).toEqual<TimelineTick>({
      tick: 0,
      seconds: 0,
      phase: "Progressing",
      primaryWeight: 100,
      canaryWeight: 0,
      mirrored: false,
      statusCanaryWeight: 0,
      iteration: 0,
      failedChecks: 0,
      hooks: [],
      metrics: [],
      events: ["New revision detected: the canary is scaled up and the analysis starts."],
    });
  });

  it("tick 1 runs the pre-rollout hook and takes the first step on the same tick (§3.2 step 14 then 16)", () => {
    expect(timeline.ticks[1]).toEqual<TimelineTick>({
      tick: 1,
      seconds: 60,
      phase: "Progressing",
      primaryWeight: 90,
      canaryWeight: 10,
      mirrored: false,
      statusCanaryWeight: 10,
      iteration: 0,
      failedChecks: 0,
      hooks: [{ name: "acceptance-test", type: "pre-rollout", outcome: "pass" }],
      metrics: [],
      events: ["Starting canary analysis: pre-rollout hooks (no metric checks on this tick).", "Advance canary weight 10."],
    });
  });

  it("tick 6 analyses at maxWeight and promotes with the routes unchanged (§3.3, §3.4)", () => {
    expect(timeline.ticks[6]).toMatchObject({ phase: "Promoting", primaryWeight: 50, canaryWeight: 50, statusCanaryWeight: 50 });
    expect(timeline.ticks[6]!.metrics.map((m) => m.outcome)).toEqual(["pass", "pass"]);
    expect(timeline.ticks[7]).toMatchObject({ phase: "Finalising", primaryWeight: 100, canaryWeight: 0, statusCanaryWeight: 0, hooks: [], metrics: [] });
    expect(timeline.ticks[8]).toMatchObject({ phase: "Succeeded", primaryWeight: 100, canaryWeight: 0 });
  });

  it("fills the header fields", () => {
    expect({ ...timeline, ticks: timeline.ticks.length, notes: timeline.notes.length }).toEqual({
      name: "podinfo",
      namespace: "test",
      provider: "istio",
      strategy: "canary",
      strategyDescription: "canary: 10% steps up to 50%, promotion in one step",
      intervalSeconds: 60,
      threshold: 3,
      ticks: 9,
      minSecondsToPromotion: 480,
      worstCaseSecondsToRollback: 540,
      secondsFromFirstFailureToRollback: 180,
      notes: timeline.notes.length,
    });
  });

  it("is deterministic: the same input gives the same timeline", () => {
    expect(timelineOf(PODINFO)).toEqual(timeline);
    expect(timelineOf(PODINFO, { failFromTick: 3 })).toEqual(timelineOf(PODINFO, { failFromTick: 3 }));
  });
});

describe("never throws, whatever the model (STYLE: core code never throws on bad input)", () => {
  const specs: Array<[string, string]> = [
    ["an analysis with only an interval", "    interval: 1m"],
    ["an empty analysis", "    {}"],
    ["strings where numbers were expected (dropped by the schema)", "    interval: soon\n    threshold: many\n    stepWeight: ten\n    maxWeight: half"],
    ["negative values", "    interval: -1m\n    threshold: -3\n    stepWeight: -10\n    iterations: -2"],
    ["webhooks and metrics without names or types", "    interval: 1m\n    stepWeight: 50\n    webhooks:\n      - url: http://x/\n    metrics:\n      - thresholdRange: {}"],
  ];
  for (const [label, analysis] of specs) {
    it(`${label}: a timeline that ends (Succeeded, Failed or a stall)`, () => {
      for (const failFromTick of [undefined, 0, 1, 5]) {
        const timeline = timelineOf(canaryYaml({ analysis }), failFromTick === undefined ? {} : { failFromTick });
        expect(timeline.ticks.length).toBeGreaterThan(0);
        expect(timeline.stall !== undefined || ["Succeeded", "Failed"].includes(timeline.ticks.at(-1)!.phase)).toBe(true);
      }
    });
  }

  it("a Canary without spec and odd fail-from values", () => {
    const resolved = resolveFirstCanary("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: bare\n");
    const timeline = simulateRollout({ resolved, settings });
    expect(timeline.strategy).toBe("skip-analysis");
    expect(phases(timeline)).toEqual(["Progressing", "Succeeded"]);
    for (const failFromTick of [Number.NaN, Number.POSITIVE_INFINITY, -4, 2.7]) {
      expect(() => simulateRollout({ resolved, settings, failFromTick })).not.toThrow();
    }
    const podinfo = resolveFirstCanary(PODINFO);
    expect(simulateRollout({ resolved: podinfo, settings, failFromTick: Number.NaN }).failFromTick).toBeUndefined();
    expect(simulateRollout({ resolved: podinfo, settings, failFromTick: 2.7 }).failFromTick).toBe(2);
    expect(simulateRollout({ resolved: podinfo, settings, failFromTick: -4 }).ticks.at(-1)).toMatchObject({ tick: 4, phase: "Failed" });
  });
});

describe("fail-from edges (flagger-scheduler.md §3.5)", () => {
  it("tick 0 runs no check, so fail-from 0 is fail-from 1", () => {
    const zero = timelineOf(PODINFO, { failFromTick: 0 });
    expect({ ...zero, failFromTick: 1 }).toEqual(timelineOf(PODINFO, { failFromTick: 1 }));
  });

  it("without pre-rollout hooks the pre-rollout tick cannot fail: the first step still happens", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 20\n    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}" }), { failFromTick: 1 });
    expect(weights(timeline)).toEqual([[100, 0], [80, 20], [80, 20], [80, 20], [100, 0]]);
    expect(timeline.ticks.map((t) => t.failedChecks)).toEqual([0, 0, 1, 2, 0]);
  });

  it("a failing rollout hook stops the tick before the metrics (§3.2 step 14)", () => {
    const timeline = timelineOf(PODINFO, { failFromTick: 2 });
    expect(timeline.ticks[2]!.hooks).toEqual([{ name: "load-test", type: "rollout", outcome: "fail" }]);
    expect(timeline.ticks[2]!.metrics).toEqual([]);
    expect(timeline.ticks[2]!.events).toEqual(["Rollout hook load-test failed: 1/3 failed checks; traffic stays where it is."]);
  });

  it("the rollback tick: Failed, routes 100/0, failedChecks written back to 0, post-rollout hooks (§3.5, §4.2, §5.1)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 30s\n    threshold: 1\n    stepWeight: 20\n    webhooks:\n      - name: check\n        url: http://x/\n      - name: notify\n        type: post-rollout\n        url: http://x/\n      - name: abort\n        type: rollback\n        url: http://x/" }), { failFromTick: 3 });
    expect(timeline.ticks.at(-1)).toEqual<TimelineTick>({
      tick: 4,
      seconds: 120,
      phase: "Failed",
      primaryWeight: 100,
      canaryWeight: 0,
      mirrored: false,
      statusCanaryWeight: 0,
      iteration: 0,
      failedChecks: 0,
      hooks: [
        { name: "abort", type: "rollback", outcome: "pass" },
        { name: "notify", type: "post-rollout", outcome: "pass" },
      ],
      metrics: [],
      events: ["Rolling back: 1 failed checks reached the threshold of 1; all traffic to the primary, canary scaled to zero."],
    });
  });

  it("a stall spec with failing checks rolls back; without checks it is still reported as a stall, quickly", () => {
    const withHook = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 0\n    webhooks:\n      - name: smoke\n        type: pre-rollout\n        url: http://x/" }), { failFromTick: 3 });
    expect(phases(withHook)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Failed"]);
    const withoutChecks = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 0" }), { failFromTick: 3 });
    expect(withoutChecks.stall).toMatchObject({ tick: 4, phase: "Progressing" });
  });
});

describe("readiness thresholds and skipAnalysis (flagger-scheduler.md §3.2 steps 4, 8, 9; §3.7)", () => {
  it("skipAnalysis skips IsPrimaryReady, so a primary threshold over 100 does not block it", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    primaryReadyThreshold: 150", spec: "  skipAnalysis: true\n" }));
    expect(phases(timeline)).toEqual(["Progressing", "Succeeded"]);
  });

  it("IsCanaryReady runs before the skip path, so a canary threshold over 100 stalls skipAnalysis too", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    canaryReadyThreshold: 150", spec: "  skipAnalysis: true\n" }));
    expect(timeline.stall).toMatchObject({ tick: 1, phase: "Progressing" });
    expect(timeline.minSecondsToPromotion).toBeNull();
  });

  it("suspend freezes the run before detection (§3.7)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10", spec: "  suspend: true\n" }));
    expect(timeline.stall).toMatchObject({ tick: 0, phase: "Initialized" });
  });
});

describe("negative stepWeightPromotion (flagger-scheduler.md §2 STALL row, §3.4)", () => {
  it("canary: traffic moves away from the primary until it has none, then the run stalls in Promoting", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    maxWeight: 50\n    stepWeightPromotion: -20" }));
    expect(weights(timeline).slice(3)).toEqual([[30, 70], [10, 90], [10, 90]]);
    expect(timeline.stall).toMatchObject({ tick: 5, phase: "Promoting" });
    expect(timeline.ticks[5]!.events[0]).toBe("Flagger asks for primary -10% / canary 110%, which is not a valid split: the routes stay at primary 10%.");
  });

  it("blue/green: the primary starts at 0, so the first Promoting tick already repeats", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2\n    stepWeightPromotion: -30" }));
    expect(phases(timeline).slice(-2)).toEqual(["Promoting", "Promoting"]);
    expect(timeline.ticks.every((t) => t.primaryWeight >= 0 && t.canaryWeight <= 100 && t.statusCanaryWeight === 0)).toBe(true);
    expect(timeline.stall).toMatchObject({ tick: 5, phase: "Promoting" });
  });
});

describe("metrics (flagger-scheduler.md §2, §3.2 step 14, §3.9)", () => {
  const analysis = (metrics: string) => `    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    metrics:\n${metrics}`;

  it("a built-in name with a query is checked twice; template metrics come last; defaults 1m only for built-in and query", () => {
    const timeline = timelineOf(
      canaryYaml({
        analysis: analysis("      - name: latency\n        templateRef: {name: latency}\n        interval: 2m\n      - name: request-success-rate\n        query: sum(up)\n      - name: errors\n        query: sum(errors)\n        interval: 30s"),
      }),
    );
    expect(timeline.ticks[2]!.metrics).toEqual([
      { name: "request-success-rate", source: "builtin", interval: "1m", outcome: "pass" },
      { name: "request-success-rate", source: "query", interval: "1m", outcome: "pass" },
      { name: "errors", source: "query", interval: "30s", outcome: "pass" },
      { name: "latency", source: "template", interval: "2m", outcome: "pass" },
    ]);
    expect(timeline.notes).toContain("Metric request-success-rate is a built-in name and also has a query: Flagger checks both, the built-in query first (Flagger v1.44 pkg/controller/scheduler.go).");
    expect(timeline.notes).toContain("Metric errors looks at 30s of every 1m: traffic between checks is never evaluated (Flagger v1.44 pkg/controller/scheduler_metrics.go).");
    expect(timeline.notes).toContain("Metric latency looks back 2m, longer than the 1m interval: the first check after a weight step still includes traffic from the step before (Flagger v1.44 pkg/controller/scheduler_metrics.go).");
  });

  it("a metric with no built-in name, query or templateRef fails every analysis tick: the note says when the run rolls back", () => {
    const timeline = timelineOf(canaryYaml({ analysis: analysis("      - name: error-rate\n        thresholdRange: {max: 1}") }));
    // Flagger checks it in the template pass; the happy path assumes it passes, the note says it cannot.
    expect(timeline.ticks[2]!.metrics).toEqual([{ name: "error-rate", source: "query", outcome: "pass" }]);
    expect(timeline.notes).toContain(
      'Metric error-rate is neither built in (request-success-rate, request-duration) nor has a query or templateRef: Flagger fails it on every analysis tick ("no usable metrics template and query were configured"), so the rollout rolls back on tick 4 (4m after detection). The timeline above assumes it passes. Add a query or templateRef (Flagger v1.44 pkg/controller/scheduler.go).',
    );
  });
});

describe("status traps and other notes (flagger-scheduler.md §3.3, §4.4, §5.1)", () => {
  const noteOf = (yaml: string, prefix: string) => timelineOf(yaml).notes.find((n) => n.startsWith(prefix));

  it("blue/green: status.canaryWeight stays 0 even with all traffic on the canary", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2" }));
    expect(timeline.ticks.some((t) => t.canaryWeight === 100 && t.statusCanaryWeight === 0)).toBe(true);
    expect(timeline.notes).toContain(
      "status.canaryWeight stays 0 during blue/green, even when all traffic goes to the canary before promotion: watch phase and iterations instead (Flagger v1.44 pkg/canary/status.go).",
    );
  });

  it("WaitingPromotion zeroes status.canaryWeight while traffic stays at the maximum", () => {
    const yaml = canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    webhooks:\n      - name: approve\n        type: confirm-promotion\n        url: http://x/" });
    expect(noteOf(yaml, "While a confirm-promotion gate is closed")).toBe(
      "While a confirm-promotion gate is closed the phase is WaitingPromotion and status.canaryWeight reads 0 although traffic stays at the maximum weight; analysis keeps running and failures still count (Flagger v1.44 pkg/controller/scheduler.go, pkg/canary/status.go).",
    );
  });

  it("progressive mirroring: status.canaryWeight reads 0 on the mirrored tick", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    mirror: true" }));
    expect(timeline.ticks[1]).toMatchObject({ mirrored: true, statusCanaryWeight: 0, canaryWeight: 0 });
    expect(timeline.notes).toContain("While traffic is mirrored, status.canaryWeight reads 0 (Flagger v1.44 pkg/controller/scheduler.go).");
  });

  it("A/B on a router that ignores match sends every request to the canary", () => {
    const yaml = canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2\n    match:\n      - headers:\n          x: {exact: a}", spec: "  provider: linkerd\n" });
    expect(noteOf(yaml, "Provider linkerd ignores analysis.match")).toBeDefined();
    expect(timelineOf(yaml).ticks[1]!.events).toContain("Iteration 1/2: provider linkerd ignores the A/B rules, so every request goes to the canary.");
  });

  it("blue/green mirror on a router that cannot mirror is ignored", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2\n    mirror: true", spec: "  provider: nginx\n" }));
    expect(timeline.strategy).toBe("blue-green");
    expect(timeline.ticks.every((t) => !t.mirrored)).toBe(true);
    expect(timeline.notes.some((n) => n.startsWith("Provider nginx cannot mirror in blue/green"))).toBe(true);
  });

  it("event webhooks are not listed per tick", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    webhooks:\n      - name: audit\n        type: event\n        url: http://x/" }));
    expect(timeline.ticks.flatMap((t) => t.hooks)).toEqual([]);
    expect(timeline.notes).toContain("Event webhooks (audit) are not listed per tick: Flagger calls them for every Kubernetes event it records for this Canary (Flagger v1.44 pkg/controller/events.go).");
  });

  it("an untyped webhook is a rollout hook (§1.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    webhooks:\n      - name: load\n        url: http://x/" }));
    expect(timeline.ticks[2]!.hooks).toEqual([{ name: "load", type: "rollout", outcome: "pass" }]);
  });
});

describe("session affinity (flagger-routing.md §4.6)", () => {
  const sticky = (provider: string) =>
    timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    sessionAffinity:\n      cookieName: canary-cookie", spec: `  provider: ${provider}\n` }));

  it("the first step sets the cookie and the return to the primary expires it (Istio, Gateway API)", () => {
    for (const provider of ["istio", "gatewayapi:v1"]) {
      const events = sticky(provider).ticks.map((t) => t.events.filter((e) => e.startsWith("Session affinity")));
      expect(events).toEqual([
        [],
        ["Session affinity: canary responses set the cookie canary-cookie; requests carrying it stay on the canary whatever the weight."],
        [],
        [],
        ["Session affinity: the canary-cookie cookie is expired (Max-Age=-1), so sticky users return to the primary."],
        [],
      ]);
    }
  });

  it("other routers do not implement it: no cookie events", () => {
    expect(sticky("linkerd").ticks.flatMap((t) => t.events).some((e) => e.startsWith("Session affinity"))).toBe(false);
  });
});
