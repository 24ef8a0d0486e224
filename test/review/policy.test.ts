import { describe, expect, it } from "vitest";
import type { CanarySpec } from "../../src/canary/crd.js";
import { buildPolicyDiff } from "../../src/review/policy.js";

const base: CanarySpec = {
  targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" },
  analysis: {
    interval: "1m",
    threshold: 5,
    maxWeight: 50,
    stepWeight: 10,
    metrics: [
      { name: "request-success-rate", interval: "1m", thresholdRange: { min: 99 } },
      { name: "request-duration", interval: "1m", thresholdRange: { max: 500 } },
    ],
    webhooks: [{ name: "approve", type: "confirm-promotion", url: "http://gate/" }],
  },
};

const withAnalysis = (analysis: Partial<NonNullable<CanarySpec["analysis"]>>, rest: Partial<CanarySpec> = {}): CanarySpec => ({
  ...base,
  ...rest,
  analysis: { ...base.analysis, ...analysis },
});

describe("buildPolicyDiff", () => {
  it("reports nothing for identical specs, or when one side is missing", () => {
    expect(buildPolicyDiff({ base, head: structuredClone(base) })).toEqual([]);
    expect(buildPolicyDiff({ head: base })).toEqual([]);
  });

  it("flags the loosening changes a reviewer must confirm", () => {
    const head = withAnalysis(
      {
        maxWeight: 80,
        threshold: 10,
        interval: "30s",
        metrics: [{ name: "request-success-rate", interval: "1m", thresholdRange: { min: 95 } }],
        webhooks: [],
      },
      { skipAnalysis: true },
    );
    expect(buildPolicyDiff({ base, head }).map((c) => [c.field, c.effect])).toEqual([
      ["skipAnalysis", "loosened"],
      ["analysis.maxWeight", "loosened"],
      ["analysis.threshold", "loosened"],
      ["analysis.interval", "loosened"],
      ["analysis.metrics[request-success-rate].thresholdRange", "loosened"],
      ["analysis.metrics[request-duration]", "loosened"],
      ["analysis.webhooks[approve]", "loosened"],
    ]);
  });

  it("reports tightening as tightened", () => {
    const head = withAnalysis({ maxWeight: 30, threshold: 2, metrics: [...base.analysis!.metrics!, { name: "error-rate", templateRef: { name: "error-rate" }, interval: "1m", thresholdRange: { max: 1 } }] });
    expect(buildPolicyDiff({ base, head }).map((c) => [c.field, c.effect])).toEqual([
      ["analysis.maxWeight", "tightened"],
      ["analysis.threshold", "tightened"],
      ["analysis.metrics[error-rate]", "tightened"],
    ]);
  });

  it("compares maxWeight as Flagger computes it: the last stepWeights element, else maxWeight, else 100 (flagger-scheduler.md §3.3)", () => {
    const ladder = withAnalysis({ stepWeight: undefined, maxWeight: undefined, stepWeights: [5, 10, 20] });
    const noMax = withAnalysis({ maxWeight: undefined });
    expect(buildPolicyDiff({ base, head: noMax }).find((c) => c.field === "analysis.maxWeight")).toEqual({
      field: "analysis.maxWeight",
      summary: "maxWeight 50% → 100%: more users reach the canary before promotion.",
      effect: "loosened",
    });
    const changes = buildPolicyDiff({ base, head: ladder });
    expect(changes.find((c) => c.field === "analysis.maxWeight")?.summary).toBe("maxWeight 50% → 20%: fewer users reach the canary before promotion.");
  });

  it("reads a legacy threshold as a minimum for request-success-rate and a maximum otherwise (flagger-scheduler.md §6.5)", () => {
    const legacy = withAnalysis({ metrics: [{ name: "request-success-rate", threshold: 99 }, { name: "request-duration", threshold: 500 }] });
    const looser = withAnalysis({ metrics: [{ name: "request-success-rate", threshold: 90 }, { name: "request-duration", threshold: 900 }] });
    expect(buildPolicyDiff({ base: legacy, head: looser }).map((c) => c.effect)).toEqual(["loosened", "loosened"]);
  });

  it("notes session affinity and exposure through gateways", () => {
    const head = { ...withAnalysis({ sessionAffinity: { cookieName: "flagger-cookie", maxAge: 86400 } }), service: { port: 9898, gateways: ["istio-system/public-gateway"], hosts: ["app.example.com"] } };
    expect(buildPolicyDiff({ base, head }).map((c) => c.field)).toEqual(["analysis.sessionAffinity", "service.gateways"]);
  });
});

describe("interval changes are judged by what Flagger schedules (flagger-scheduler.md §0)", () => {
  it("treats 60s → 1m as no change and 1m → 5s as the 10s floor, loosened", () => {
    const same = buildPolicyDiff({ base: withAnalysis({ interval: "60s" }), head: withAnalysis({ interval: "1m" }) }).find((c) => c.field === "analysis.interval");
    expect(same).toEqual({ field: "analysis.interval", summary: "interval changed from 60s to 1m: Flagger still runs every 1m.", effect: "neutral" });
    const faster = buildPolicyDiff({ base: withAnalysis({ interval: "1m" }), head: withAnalysis({ interval: "5s" }) }).find((c) => c.field === "analysis.interval");
    expect(faster?.effect).toBe("loosened");
    const slower = buildPolicyDiff({ base: withAnalysis({ interval: "1m" }), head: withAnalysis({ interval: "bogus" }) }).find((c) => c.field === "analysis.interval");
    expect(slower?.effect).toBe("neutral");
  });
});

describe("text that is true", () => {
  it("does not call maxWeight removed while it is still set: the strategy no longer reads it", () => {
    const blueGreen = withAnalysis({ stepWeight: undefined, iterations: 10 });
    expect(blueGreen.analysis?.maxWeight).toBe(50);
    const change = buildPolicyDiff({ base, head: blueGreen }).find((c) => c.field === "analysis.maxWeight")!;
    expect(change.summary).not.toMatch(/removed/);
    expect(change.summary).toBe("the canary's weight cap (50%) no longer applies: iterations route by test or all at once, not by weight steps (maxWeight 50 is still set but unused).");
    expect(buildPolicyDiff({ base: blueGreen, head: base }).find((c) => c.field === "analysis.maxWeight")!.summary).toBe(
      "the canary's traffic now climbs to 50% (before, iterations route by test or all at once, not by weight steps).",
    );
  });

  it("does not call an interval the CRD refuses (1x, left out of the model) unset", () => {
    // What the model holds when the manifest says `interval: 1x`: the CRD's pattern drops it.
    const refused = withAnalysis({ interval: undefined });
    const change = buildPolicyDiff({ base, head: refused }).find((c) => c.field === "analysis.interval")!;
    expect(change.summary).not.toContain("(unset)");
    expect(change.summary).toBe("interval changed from 1m to a missing or invalid value: the API server rejects a Canary without a valid interval (it requires digits followed by m or s).");
  });
});
