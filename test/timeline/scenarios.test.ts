/**
 * One scenario per strategy and trap of Flagger's scheduler; each names the section of
 * docs/flagger-scheduler.md (or docs/flagger-routing.md) it follows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { canaryYaml, phases, timelineOf, weights } from "./helpers.js";

const PODINFO = readFileSync(join(import.meta.dirname, "../../fixtures/timeline/podinfo-canary.yaml"), "utf8");

const hooks = `    webhooks:
      - name: gate
        type: confirm-rollout
        url: http://gate/
      - name: smoke
        type: pre-rollout
        url: http://tester/
      - name: load
        url: http://tester/
      - name: traffic
        type: confirm-traffic-increase
        url: http://gate/
      - name: promote
        type: confirm-promotion
        url: http://gate/
      - name: notify
        type: post-rollout
        url: http://tester/
      - name: abort
        type: rollback
        url: http://gate/
    metrics:
      - name: error-rate
        templateRef: {name: error-rate}
        interval: 1m
        thresholdRange: {max: 1}
      - name: request-success-rate
        interval: 1m
        thresholdRange: {min: 99}
`;

describe("the podinfo Canary of the Istio tutorial (seed-flagger-istio-notes.md; flagger-scheduler.md §3.2, §3.3, §3.4)", () => {
  const timeline = timelineOf(PODINFO);

  it("steps 10→50 on ticks 1–5, promotes on tick 6, finalises on 7 and succeeds on 8 (flagger-scheduler.md §3.2, §3.3, §3.4, §7)", () => {
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Promoting", "Finalising", "Succeeded"]);
    expect(weights(timeline)).toEqual([[100, 0], [90, 10], [80, 20], [70, 30], [60, 40], [50, 50], [50, 50], [100, 0], [100, 0]]);
    expect(timeline.ticks.map((t) => t.seconds)).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480]);
    expect(timeline.minSecondsToPromotion).toBe(480);
  });

  it("rolls back at the latest on tick 9: the threshold-th failure on the promotion tick (§3.5)", () => {
    expect(timeline.worstCaseSecondsToRollback).toBe(540);
    expect(timeline.secondsFromFirstFailureToRollback).toBe(180);
    const failing = timelineOf(PODINFO, { failFromTick: 6 });
    expect(phases(failing).slice(6)).toEqual(["Progressing", "Progressing", "Progressing", "Failed"]);
    expect(failing.ticks.at(-1)!.tick).toBe(9);
  });

  it("runs pre-rollout hooks alone on tick 1 and rollout hooks before the metrics afterwards (§3.2 step 14)", () => {
    expect(timeline.ticks[1]!.hooks).toEqual([{ name: "acceptance-test", type: "pre-rollout", outcome: "pass" }]);
    expect(timeline.ticks[1]!.metrics).toEqual([]);
    expect(timeline.ticks[2]!.hooks).toEqual([{ name: "load-test", type: "rollout", outcome: "pass" }]);
    expect(timeline.ticks[2]!.metrics).toEqual([
      { name: "request-success-rate", source: "builtin", interval: "1m", outcome: "pass" },
      { name: "request-duration", source: "builtin", interval: "30s", outcome: "pass" },
    ]);
    expect(timeline.ticks.slice(7).every((t) => t.metrics.length === 0)).toBe(true);
  });
});

describe("hooks in Flagger's order (flagger-scheduler.md §3.2, §4.2)", () => {
  it("calls each gate and hook type on the ticks the scheduler does (flagger-scheduler.md §3.2 steps 6–16, §4.2)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: `    interval: 30s\n    threshold: 2\n    stepWeight: 50\n${hooks}` }));
    const types = timeline.ticks.map((t) => t.hooks.map((h) => h.type));
    expect(types).toEqual([
      ["confirm-rollout"],
      ["rollback", "pre-rollout", "confirm-traffic-increase"],
      ["rollback", "rollout", "confirm-traffic-increase"],
      ["rollback", "rollout", "confirm-traffic-increase", "confirm-promotion"],
      [],
      ["post-rollout"],
    ]);
    // Built-in and inline metrics run before template metrics, whatever the list order (§3.2 step 14).
    expect(timeline.ticks[2]!.metrics.map((m) => [m.name, m.source])).toEqual([["request-success-rate", "builtin"], ["error-rate", "template"]]);
    expect(timeline.notes).toContain("confirm-traffic-increase also runs on the promotion tick: a closed gate blocks promotion too (Flagger v1.44 pkg/controller/scheduler.go).");
  });
});

describe("canary strategies (flagger-scheduler.md §3.3, §3.4)", () => {
  it("canary with stepWeights walks w1…wn then promotes at the last one (flagger-scheduler.md §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeights: [1, 5, 25, 60]" }));
    expect(weights(timeline).map(([, c]) => c)).toEqual([0, 1, 5, 25, 60, 60, 0, 0]);
    expect(phases(timeline).slice(-3)).toEqual(["Promoting", "Finalising", "Succeeded"]);
    expect(timeline.strategyDescription).toBe("canary: weights 1→5→25→60%, promotion in one step");
  });

  it("stepWeightPromotion shifts traffic back in ceil(weight / step) Promoting ticks (flagger-scheduler.md §3.4)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 20\n    maxWeight: 60\n    stepWeightPromotion: 25" }));
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Promoting", "Promoting", "Promoting", "Finalising", "Succeeded"]);
    expect(weights(timeline).slice(4)).toEqual([[40, 60], [65, 35], [90, 10], [100, 0], [100, 0]]);
    expect(timeline.ticks.map((t) => t.statusCanaryWeight)).toEqual([0, 20, 40, 60, 60, 35, 10, 0, 0]);
  });

  it("treats maxWeight 0 as 100 and threshold 0 as 1 (flagger-scheduler.md §2 COERCE rows)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 0\n    stepWeight: 50\n    maxWeight: 0\n    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}" }));
    expect(weights(timeline).map(([, c]) => c)).toEqual([0, 50, 100, 100, 0, 0]);
    expect(timeline.threshold).toBe(1);
    expect(timeline.secondsFromFirstFailureToRollback).toBe(60);
  });

  it("mirrors for one extra tick before the first step on Istio (progressive mirror, §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 25\n    maxWeight: 50\n    mirror: true\n    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}" }));
    expect(timeline.strategy).toBe("canary-mirror");
    expect(timeline.ticks.map((t) => [t.primaryWeight, t.canaryWeight, t.mirrored])).toEqual([
      [100, 0, false],
      [100, 0, true],
      [75, 25, false],
      [50, 50, false],
      [50, 50, false],
      [100, 0, false],
      [100, 0, false],
    ]);
    // Pre-rollout runs on the first tick only: the mirrored tick runs the analysis.
    expect(timeline.ticks[2]!.metrics).toHaveLength(1);
  });

  it("progressive mirroring costs exactly one tick more than the same canary without mirror (flagger-scheduler.md §3.3)", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    maxWeight: 30";
    const plain = timelineOf(canaryYaml({ analysis }));
    const mirrored = timelineOf(canaryYaml({ analysis: `${analysis}\n    mirror: true` }));
    expect(mirrored.minSecondsToPromotion! - plain.minSecondsToPromotion!).toBe(60);
    expect(mirrored.worstCaseSecondsToRollback).toBeNull();
    expect(weights(mirrored).slice(1)).toEqual(weights(plain));
  });

  it("a stepWeight larger than the gap overshoots maxWeight: 30 → 60, then promotion (flagger-scheduler.md §2 WARN, §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 30\n    maxWeight: 50" }));
    expect(weights(timeline).map(([, c]) => c)).toEqual([0, 30, 60, 60, 0, 0]);
    expect(timeline.strategyDescription).toBe("canary: 30% steps up to 60% (maxWeight 50), promotion in one step");
  });

  it("session affinity keeps the canary weights and says the strategy is sticky (flagger-routing.md §4.6, flagger-scheduler.md §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    sessionAffinity:\n      cookieName: flagger-cookie" }));
    expect(weights(timeline).map(([, c]) => c)).toEqual([0, 50, 100, 100, 0, 0]);
    expect(timeline.strategyDescription).toBe("canary: 50% steps up to 100%, sticky sessions, promotion in one step");
  });
});

describe("A/B testing and blue/green (flagger-scheduler.md §3.3)", () => {
  it("A/B: matched traffic to the canary for N iterations, then promotion; status.canaryWeight stays 0 (flagger-scheduler.md §3.3, §5.1)", () => {
    const timeline = timelineOf(
      canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 3\n    match:\n      - headers:\n          x-canary: {exact: insider}\n    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}" }),
    );
    expect(timeline.strategy).toBe("ab-testing");
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Promoting", "Finalising", "Succeeded"]);
    expect(weights(timeline)).toEqual([[100, 0], [0, 100], [0, 100], [0, 100], [0, 100], [100, 0], [100, 0]]);
    expect(timeline.ticks.map((t) => t.iteration)).toEqual([0, 1, 2, 3, 3, 0, 0]);
    expect(timeline.ticks.every((t) => t.statusCanaryWeight === 0)).toBe(true);
    expect(timeline.strategyDescription).toBe("A/B testing: 3 iterations for requests matching header x-canary, promotion in one step");
  });

  it("blue/green: N iterations on the primary, all traffic to the canary, confirm-promotion twice, then promotion (flagger-scheduler.md §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: `    interval: 1m\n    threshold: 2\n    iterations: 2\n    webhooks:\n      - name: promote\n        type: confirm-promotion\n        url: http://gate/` }));
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Promoting", "Finalising", "Succeeded"]);
    expect(weights(timeline)).toEqual([[100, 0], [100, 0], [100, 0], [0, 100], [0, 100], [100, 0], [100, 0]]);
    expect(timeline.ticks.map((t) => t.iteration)).toEqual([0, 1, 2, 3, 3, 0, 0]);
    expect(timeline.ticks.map((t) => t.hooks.filter((h) => h.type === "confirm-promotion").length)).toEqual([0, 0, 0, 1, 1, 0, 0]);
  });

  it("blue/green with mirror: mirrored from the first iteration until all traffic moves to the canary (flagger-scheduler.md §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2\n    mirror: true" }));
    expect(timeline.strategy).toBe("blue-green-mirror");
    expect(timeline.ticks.map((t) => t.mirrored)).toEqual([false, true, true, false, false, false, false]);
  });

  it("provider kubernetes forces blue/green with 10 iterations and promotes without routing (§3.2 step 15, §3.4)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10", spec: "  provider: kubernetes\n" }));
    expect(timeline.strategy).toBe("blue-green");
    expect(timeline.strategyDescription).toBe("blue/green: 10 iterations (provider kubernetes forces blue/green)");
    expect(timeline.ticks.every((t) => t.primaryWeight === 100 && t.canaryWeight === 0)).toBe(true);
    expect(phases(timeline).slice(-4)).toEqual(["Progressing", "Promoting", "Finalising", "Succeeded"]);
    expect(timeline.minSecondsToPromotion).toBe(14 * 60);
  });
});

describe("skipAnalysis and failures", () => {
  it("provider kubernetes drops an A/B match and runs blue/green without routing (flagger-scheduler.md §2 COERCE, §3.2 step 15)", () => {
    const timeline = timelineOf(
      canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 2\n    match:\n      - headers:\n          x-canary: {exact: insider}", spec: "  provider: kubernetes\n" }),
    );
    expect(timeline.strategy).toBe("blue-green");
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Promoting", "Finalising", "Succeeded"]);
    expect(timeline.ticks.every((t) => t.primaryWeight === 100)).toBe(true);
    expect(timeline.ticks[1]!.events).toContain("Provider kubernetes: the A/B match is dropped.");
    expect(timeline.notes).toContain("Provider kubernetes drops analysis.match: no A/B routing happens (Flagger v1.44 pkg/controller/scheduler.go).");
  });

  it("skipAnalysis promotes on the tick after detection with no checks (§3.7)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n" + hooks, spec: "  skipAnalysis: true\n" }));
    expect(phases(timeline)).toEqual(["Progressing", "Succeeded"]);
    expect(timeline.ticks[1]!.hooks.map((h) => h.type)).toEqual(["post-rollout"]);
    expect(timeline.worstCaseSecondsToRollback).toBeNull();
  });

  it("a failure after promotion began cannot roll back: no analysis in Promoting or Finalising (§3.4)", () => {
    const timeline = timelineOf(PODINFO, { failFromTick: 7 });
    expect(phases(timeline).at(-1)).toBe("Succeeded");
  });

  it("failed checks are cumulative and the rollback comes threshold × interval after the first failure (§3.5)", () => {
    const timeline = timelineOf(PODINFO, { failFromTick: 1 });
    expect(timeline.ticks.map((t) => t.failedChecks)).toEqual([0, 1, 2, 3, 0]);
    expect(timeline.ticks.at(-1)!).toMatchObject({ tick: 4, phase: "Failed", primaryWeight: 100, canaryWeight: 0 });
    expect(timeline.ticks[1]!.hooks).toEqual([{ name: "acceptance-test", type: "pre-rollout", outcome: "fail" }]);
  });

  it("rollback comes threshold × interval after the first failure in mid-run, with the weights frozen (flagger-scheduler.md §3.5)", () => {
    const timeline = timelineOf(PODINFO, { failFromTick: 4 });
    expect(phases(timeline)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Failed"]);
    expect(weights(timeline)).toEqual([[100, 0], [90, 10], [80, 20], [70, 30], [70, 30], [70, 30], [70, 30], [100, 0]]);
    const firstFailure = timeline.ticks.find((t) => t.failedChecks > 0)!;
    expect(timeline.ticks.at(-1)!.seconds - firstFailure.seconds).toBe(timeline.secondsFromFirstFailureToRollback);
    expect(timeline.ticks.at(-1)!.events[0]).toBe("Rolling back: 3 failed checks reached the threshold of 3; all traffic to the primary, canary scaled to zero.");
  });

  it("without any check that can fail there is no worst-case rollback (flagger-scheduler.md §3.5)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50" }));
    expect(timeline.worstCaseSecondsToRollback).toBeNull();
    expect(timeline.secondsFromFirstFailureToRollback).toBeNull();
    expect(timeline.notes.some((n) => n.startsWith("There are no metrics"))).toBe(true);
  });
});

describe("specs Flagger never finishes (flagger-scheduler.md §2 STALL rows)", () => {
  it("stepWeight 0: the weight never leaves 0 (flagger-scheduler.md §2 STALL)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 0" }));
    expect(timeline.stall).toEqual({ tick: 1, phase: "Progressing", reason: expect.stringContaining("never leaves 0") });
    expect(timeline.ticks[1]!.hooks).toEqual([]);
    expect(timeline.minSecondsToPromotion).toBeNull();
  });

  it("stepWeights that go down freeze at the element before (flagger-scheduler.md §2 STALL)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeights: [10, 5, 50]" }));
    expect(timeline.stall?.reason).toContain("stay");
    expect(timeline.ticks.at(-1)!.canaryWeight).toBe(10);
  });

  it("maxWeight over 100 keeps the canary at 100% forever (flagger-scheduler.md §2 STALL)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    maxWeight: 150" }));
    expect(timeline.stall?.reason).toContain("maxWeight 150 is over 100");
    expect(timeline.ticks.at(-1)!.canaryWeight).toBe(100);
  });

  it("progressive mirror on a provider that cannot mirror repeats the mirror step (flagger-scheduler.md §2 STALL, §3.3)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    mirror: true", spec: "  provider: linkerd\n" }));
    expect(timeline.stall?.reason).toContain("mirror step repeats");
  });

  it("negative stepWeightPromotion never ends the promotion (flagger-scheduler.md §2 STALL, §3.4)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    stepWeightPromotion: -10" }));
    expect(timeline.stall).toMatchObject({ phase: "Promoting" });
  });

  it("ready thresholds over 100 stop the run before or right after detection (§3.6)", () => {
    expect(timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    primaryReadyThreshold: 150" })).stall).toMatchObject({ tick: 0, phase: "Initialized" });
    expect(timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 50\n    canaryReadyThreshold: 150" })).stall).toMatchObject({ tick: 1, phase: "Progressing" });
  });
});

describe("derived notes", () => {
  it("explains intervals Flagger rewrites and template metrics without interval (§2, §3.9)", () => {
    const timeline = timelineOf(
      canaryYaml({ analysis: "    interval: 5s\n    threshold: 2\n    stepWeight: 50\n    metrics:\n      - name: errors\n        templateRef: {name: errors}\n        thresholdRange: {max: 1}" }),
    );
    expect(timeline.intervalSeconds).toBe(10);
    expect(timeline.notes[0]).toBe('analysis.interval "5s" is read as 10s (unparsable means 60s; under 10s means 10s; Flagger v1.44 pkg/controller/scheduler.go).');
    expect(timeline.notes.some((n) => n.startsWith("Template metric errors has no interval"))).toBe(true);
    expect(timeline.ticks[2]!.metrics).toEqual([{ name: "errors", source: "template", outcome: "pass" }]);
  });

  it("says that progressDeadlineSeconds does not cap a long analysis (§3.6)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 5m\n    threshold: 2\n    stepWeight: 10", spec: "  progressDeadlineSeconds: 60\n" }));
    expect(timeline.notes).toContain("progressDeadlineSeconds (60s) does not cap the analysis, although this rollout takes 1h5m: it rolls back only when the canary or primary Deployment stays unavailable for longer than that (Flagger v1.44 pkg/canary/deployment_ready.go).");
  });

  it("uses the controller's mesh provider when the Canary has none (flagger-scheduler.md §1.1, §3.2 step 15)", () => {
    const timeline = timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10" }), { settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "kubernetes" } });
    expect(timeline.provider).toBe("kubernetes");
    expect(timeline.strategy).toBe("blue-green");
  });
});
