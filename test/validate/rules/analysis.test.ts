import { describe, expect, it } from "vitest";
import { baseCanary, baseDeployment, canaryWith, only, validate, type Json } from "../support.js";

function analysisOf(edit: (analysis: Json) => void, provider = "istio") {
  return validate([
    canaryWith((c) => {
      c.spec.provider = provider;
      edit(c.spec.analysis);
    }),
    baseDeployment(),
  ]);
}

describe("the base Canary", () => {
  it("has no findings, so every test below fails if its rule stops firing", () => {
    expect(validate([baseCanary(), baseDeployment()]).findings).toEqual([]);
  });
});

describe("analysis interval (flagger-scheduler.md §0 GetAnalysisInterval, §2)", () => {
  it.each([
    ["5mins", "ANALYSIS_INTERVAL_UNPARSABLE"],
    ["1m30", "ANALYSIS_INTERVAL_UNPARSABLE"],
    ["10ms", "ANALYSIS_INTERVAL_BELOW_MINIMUM"],
    ["5s", "ANALYSIS_INTERVAL_BELOW_MINIMUM"],
    ["0s", "ANALYSIS_INTERVAL_BELOW_MINIMUM"],
  ])("%s passes the CRD pattern and gives %s", (interval, code) => {
    const v = analysisOf((a) => (a.interval = interval));
    expect(v.codes).toEqual([code]);
    expect(only(v, code)[0]).toMatchObject({ severity: "warning", path: "spec.analysis.interval" });
  });

  it.each(["1m", "90s", "1m30s", "10s", "60m"])("%s is a valid interval", (interval) => {
    expect(analysisOf((a) => (a.interval = interval)).findings).toEqual([]);
  });

  it("says 10ms is milliseconds and suggests minutes", () => {
    const [finding] = only(analysisOf((a) => (a.interval = "10ms")), "ANALYSIS_INTERVAL_BELOW_MINIMUM");
    expect(finding!.message).toContain("did you mean 10m?");
    expect(finding!.message).toContain("every 10s");
  });

  it("says what Flagger uses for an unparsable interval", () => {
    expect(only(analysisOf((a) => (a.interval = "5mins")), "ANALYSIS_INTERVAL_UNPARSABLE")[0]!.message).toContain("every 60s");
  });
});

describe("threshold (§2 GetAnalysisThreshold, §3.5)", () => {
  it("0 or less is coerced to 1", () => {
    const v = analysisOf((a) => (a.threshold = 0));
    expect(v.findings).toEqual([expect.objectContaining({ code: "THRESHOLD_NOT_POSITIVE", severity: "warning", path: "spec.analysis.threshold" })]);
  });

  it("threshold × interval above six hours delays the rollback, and the message gives the delay", () => {
    const v = analysisOf((a) => {
      a.threshold = 10000;
      a.interval = "20s";
    });
    expect(v.codes).toEqual(["THRESHOLD_DELAYS_ROLLBACK"]);
    expect(v.findings[0]!.message).toContain("55h33m20s");
  });

  it("an unparsable interval counts as Flagger's 60s", () => {
    expect(analysisOf((a) => {
      a.threshold = 361;
      a.interval = "5mins";
    }).codes).toEqual(["ANALYSIS_INTERVAL_UNPARSABLE", "THRESHOLD_DELAYS_ROLLBACK"]);
    expect(analysisOf((a) => {
      a.threshold = 360;
      a.interval = "5mins";
    }).codes).toEqual(["ANALYSIS_INTERVAL_UNPARSABLE"]);
  });
});

describe("weights and iterations (§2, §3.3)", () => {
  it("maxWeight above 100 with stepWeight stalls", () => {
    const v = analysisOf((a) => (a.maxWeight = 120));
    expect(v.findings).toEqual([expect.objectContaining({ code: "MAX_WEIGHT_ABOVE_100", severity: "error", path: "spec.analysis.maxWeight" })]);
  });

  it("maxWeight 0 or less is coerced to 100", () => {
    expect(analysisOf((a) => (a.maxWeight = 0)).codes).toEqual(["MAX_WEIGHT_NOT_POSITIVE"]);
  });

  it("stepWeight 0 stalls with pre-rollout hooks re-running", () => {
    const v = analysisOf((a) => (a.stepWeight = 0));
    expect(v.findings).toEqual([expect.objectContaining({ code: "STEP_WEIGHT_NOT_POSITIVE", severity: "error", path: "spec.analysis.stepWeight" })]);
  });

  it("stepWeight 30 with maxWeight 50 overshoots to 60 (the reference's own example)", () => {
    const v = analysisOf((a) => (a.stepWeight = 30));
    expect(v.codes).toEqual(["STEP_WEIGHT_OVERSHOOTS_MAX_WEIGHT"]);
    expect(v.findings[0]!.message).toContain("to 60% of traffic");
  });

  it("no overshoot when maxWeight is 100 (the weight is capped at 100 anyway) or a multiple", () => {
    expect(analysisOf((a) => {
      a.stepWeight = 30;
      a.maxWeight = 100;
    }).findings).toEqual([]);
    expect(analysisOf((a) => (a.stepWeight = 25)).findings).toEqual([]);
  });

  it.each([
    [[10, 5, 50], "STEP_WEIGHTS_NOT_INCREASING", "spec.analysis.stepWeights[1]", "stays at 10%"],
    [[10, 10, 50], "STEP_WEIGHTS_NOT_INCREASING", "spec.analysis.stepWeights[1]", "stays at 10%"],
    [[0, 10, 50], "STEP_WEIGHTS_NOT_POSITIVE", "spec.analysis.stepWeights[0]", "never leaves 0"],
    [[-5, 10], "STEP_WEIGHTS_NOT_POSITIVE", "spec.analysis.stepWeights[0]", "never leaves 0"],
    [[], "STEP_WEIGHTS_EMPTY", "spec.analysis.stepWeights", "never leaves 0"],
  ])("stepWeights %j stalls: %s", (stepWeights, code, path, words) => {
    const v = analysisOf((a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.stepWeights = stepWeights;
    });
    expect(v.findings).toEqual([expect.objectContaining({ code, severity: "error", path })]);
    expect(v.findings[0]!.message).toContain(words);
  });

  it("stepWeights above 100 are clamped (a warning), and a jump past 100 does not stall", () => {
    const v = analysisOf((a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.stepWeights = [10, 120, 50];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "STEP_WEIGHTS_ABOVE_100", severity: "warning", path: "spec.analysis.stepWeights[1]" })]);
  });

  it("increasing stepWeights are fine; maxWeight beside them is ignored", () => {
    expect(analysisOf((a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.stepWeights = [5, 10, 25, 50];
    }).findings).toEqual([]);
    expect(analysisOf((a) => {
      delete a.stepWeight;
      a.stepWeights = [5, 10, 25, 50];
    }).findings).toEqual([expect.objectContaining({ code: "MAX_WEIGHT_IGNORED", severity: "warning", path: "spec.analysis.maxWeight" })]);
  });

  it("maxWeight is ignored with iterations", () => {
    expect(analysisOf((a) => {
      delete a.stepWeight;
      a.iterations = 10;
    }).codes).toEqual(["MAX_WEIGHT_IGNORED"]);
  });

  it("iterations 0 is a weighted canary without a step: it stalls", () => {
    const v = analysisOf((a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.iterations = 0;
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "ITERATIONS_NOT_POSITIVE", severity: "error", path: "spec.analysis.iterations" })]);
  });

  it("negative stepWeightPromotion never finishes promoting", () => {
    expect(analysisOf((a) => (a.stepWeightPromotion = -10)).findings).toEqual([
      expect.objectContaining({ code: "STEP_WEIGHT_PROMOTION_NEGATIVE", severity: "error", path: "spec.analysis.stepWeightPromotion" }),
    ]);
  });

  it("the kubernetes provider coerces weights instead (providers.ts), so the weight rules stay silent", () => {
    const v = analysisOf((a) => (a.stepWeight = 0), "kubernetes");
    expect(v.codes).toEqual(["KUBERNETES_BLUE_GREEN_COERCED"]);
  });
});

describe("ready thresholds (§2, §3.6 isDeploymentReady)", () => {
  it("above 100% stalls, and the message says from how many replicas", () => {
    const v = analysisOf((a) => (a.canaryReadyThreshold = 150));
    expect(v.findings).toEqual([expect.objectContaining({ code: "READY_THRESHOLD_ABOVE_100", severity: "error", path: "spec.analysis.canaryReadyThreshold" })]);
    expect(v.findings[0]!.message).toContain("from 2 replicas on");
  });

  it("a primary threshold above 100 blocks every future rollout", () => {
    expect(only(analysisOf((a) => (a.primaryReadyThreshold = 200)), "READY_THRESHOLD_ABOVE_100")[0]!.message).toContain("blocks every future rollout");
  });

  it("0 turns the availability check off", () => {
    expect(analysisOf((a) => (a.primaryReadyThreshold = 0)).codes).toEqual(["READY_THRESHOLD_NOT_POSITIVE"]);
  });

  it("100 and 50 are fine", () => {
    expect(analysisOf((a) => {
      a.primaryReadyThreshold = 100;
      a.canaryReadyThreshold = 50;
    }).findings).toEqual([]);
  });
});

describe("session affinity (§2 verifySessionAffinity)", () => {
  it("the same cookie name twice is refused", () => {
    const v = analysisOf((a) => (a.sessionAffinity = { cookieName: "flagger", primaryCookieName: "flagger" }));
    expect(v.findings).toEqual([expect.objectContaining({ code: "SESSION_AFFINITY_SAME_COOKIE", severity: "error", path: "spec.analysis.sessionAffinity.primaryCookieName" })]);
  });

  it("an empty cookieName equals the absent primary cookie name", () => {
    const v = analysisOf((a) => (a.sessionAffinity = { cookieName: "" }));
    expect(v.findings).toEqual([expect.objectContaining({ code: "SESSION_AFFINITY_SAME_COOKIE", path: "spec.analysis.sessionAffinity.cookieName" })]);
  });

  it("distinct names are fine", () => {
    expect(analysisOf((a) => (a.sessionAffinity = { cookieName: "canary", primaryCookieName: "primary" })).findings).toEqual([]);
  });
});

describe("match without iterations (§2)", () => {
  it("warns that the strategy stays weighted, per router", () => {
    const istio = analysisOf((a) => (a.match = [{ headers: { "x-canary": { exact: "insider" } } }]));
    expect(istio.findings).toEqual([expect.objectContaining({ code: "MATCH_WITHOUT_ITERATIONS", severity: "warning", path: "spec.analysis.match" })]);
    expect(istio.findings[0]!.message).toContain("only to requests that match");
    const linkerd = analysisOf((a) => (a.match = [{ headers: { "x-canary": { exact: "insider" } } }]), "linkerd");
    expect(linkerd.findings[0]!.message).toContain("linkerd router ignores match");
  });
});

describe("metrics present", () => {
  it("an analysis without metrics checks nothing", () => {
    expect(analysisOf((a) => delete a.metrics).findings).toEqual([expect.objectContaining({ code: "ANALYSIS_WITHOUT_METRICS", severity: "warning", path: "spec.analysis" })]);
  });

  it("is silent with skipAnalysis", () => {
    expect(validate([canaryWith((c) => {
      c.spec.skipAnalysis = true;
      delete c.spec.analysis.metrics;
    }), baseDeployment()]).findings).toEqual([]);
  });
});
