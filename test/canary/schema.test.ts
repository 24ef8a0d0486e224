import { describe, expect, it } from "vitest";
import { canarySchema } from "../../src/canary/crd.js";
import type { PendingFinding } from "../../src/canary/findings.js";
import { baseCanary, canaryWith, validate, type Json } from "../validate/support.js";

function read(value: Json) {
  const issues: PendingFinding[] = [];
  const model = canarySchema.read(value, { issues }, []);
  return { model, issues };
}

describe("unknown fields (flagger-scheduler.md §1.0: pruned by the API server)", () => {
  it("a warning on the key that names the field, says it is dropped and suggests the right one", () => {
    const v = validate([canaryWith((c) => (c.spec.analysis.stepweight = 10))]);
    const [finding] = v.findings.filter((f) => f.code === "SCHEMA_UNKNOWN_FIELD");
    expect(finding).toMatchObject({ severity: "warning", path: "spec.analysis.stepweight" });
    expect(finding!.message).toContain("`stepweight` is not a field of `spec.analysis`");
    expect(finding!.message).toContain("drops it");
    expect(finding!.message).toContain("Did you mean `stepWeight`?");
  });

  it("known renames get their own advice", () => {
    const { issues } = read(canaryWith((c) => (c.spec.canaryAnalysis = c.spec.analysis)));
    expect(issues.find((f) => f.code === "SCHEMA_UNKNOWN_FIELD")!.message).toContain("Rename it to `analysis`");
  });

  it("uri in analysis.match is pruned (only headers, queryParams, sourceLabels exist)", () => {
    const { issues, model } = read(canaryWith((c) => (c.spec.analysis.match = [{ uri: { prefix: "/api" }, headers: { a: { exact: "b" } } }])));
    expect(issues.map((f) => [f.code, f.path.join(".")])).toEqual([["SCHEMA_UNKNOWN_FIELD", "spec.analysis.match.0.uri"]]);
    expect(model?.spec?.analysis?.match).toEqual([{ headers: { a: { exact: "b" } } }]);
  });

  it("keys named like Object.prototype members are unknown fields, not schemas", () => {
    // JSON.parse makes __proto__ an own key, as the YAML reader does.
    const value = JSON.parse(JSON.stringify(baseCanary()).replace('"provider":"istio"', '"provider":"istio","constructor":1,"toString":"x","__proto__":{"a":1}'));
    const { issues } = read(value);
    expect(issues.map((f) => [f.code, f.path.join(".")])).toEqual([
      ["SCHEMA_UNKNOWN_FIELD", "spec.constructor"],
      ["SCHEMA_UNKNOWN_FIELD", "spec.toString"],
      ["SCHEMA_UNKNOWN_FIELD", "spec.__proto__"],
    ]);
  });

  it("a map key __proto__ stays a key of the read map", () => {
    const { model } = read(canaryWith((c) => (c.spec.service.apex = { labels: JSON.parse('{"__proto__": "x", "app": "y"}') })));
    expect(Object.keys(model!.spec!.service!.apex!.labels!)).toEqual(["__proto__", "app"]);
  });
});

describe("what the API server does before storing", () => {
  it("prunes null fields and null map values, and applies CRD defaults", () => {
    const { issues, model } = read(
      canaryWith((c) => {
        c.spec.analysis.maxWeight = null;
        c.spec.analysis.sessionAffinity = { cookieName: "c", maxAge: null };
        c.spec.service.gatewayRefs = [{ name: "gw" }];
        c.spec.service.apex = { labels: { a: null, b: "x" } };
      }),
    );
    expect(issues).toEqual([]);
    expect(model!.spec!.analysis!.maxWeight).toBeUndefined();
    expect(model!.spec!.analysis!.sessionAffinity).toEqual({ cookieName: "c", maxAge: 86400 });
    expect(model!.spec!.service!.gatewayRefs).toEqual([{ name: "gw", group: "gateway.networking.k8s.io", kind: "Gateway" }]);
    expect(model!.spec!.service!.apex).toEqual({ labels: { b: "x" } });
  });

  it("ignores status (status subresource)", () => {
    const { issues, model } = read(canaryWith((c) => (c.status = { phase: 5, canaryWeight: "x" })));
    expect(issues).toEqual([expect.objectContaining({ code: "STATUS_IGNORED", severity: "warning", path: ["status"], at: "key" })]);
    expect(model!.status).toBeUndefined();
  });
});

describe("messages of the CRD checks", () => {
  it.each([
    [(c: Json) => (c.spec.service.port = "9898"), "SCHEMA_TYPE", "`spec.service.port` must be a number, not the string \"9898\""],
    [(c: Json) => (c.spec.provider = "gatewayapi"), "SCHEMA_ENUM", "A bare `gatewayapi` or `smi` needs its version"],
    [(c: Json) => (c.spec.analysis.interval = "1h"), "SCHEMA_PATTERN", "hours as 60m"],
    [(c: Json) => (c.spec.analysis.threshold = 1.5), "VALUE_NOT_INTEGER", "the Go field is an integer"],
    [(c: Json) => (c.spec.analysis.match = [{ headers: { a: {} } }]), "SCHEMA_ONE_OF", "must set exactly one of exact, prefix, suffix, regex"],
    [(c: Json) => (c.spec.service.gatewayRefs = [{ name: "😀".repeat(254) }]), "SCHEMA_RANGE", "must have 1 to 253 characters, not 254"],
    [(c: Json) => delete c.spec.targetRef, "SCHEMA_REQUIRED", "`spec.targetRef` is required"],
  ])("%#: %s", (edit, code, words) => {
    const { issues } = read(canaryWith(edit));
    expect(issues.map((f) => f.code)).toContain(code);
    expect(issues.find((f) => f.code === code)!.message).toContain(words);
  });

  it("lengths count characters, not UTF-16 units", () => {
    expect(read(canaryWith((c) => (c.spec.service.gatewayRefs = [{ name: "😀".repeat(200) }]))).issues).toEqual([]);
  });

  it("a strategy conflict points at the second strategy field's key", () => {
    const v = validate("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: x\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: x}\n  service: {port: 80}\n  analysis:\n    interval: 1m\n    threshold: 5\n    iterations: 10\n    stepWeight: 10\n    metrics: [{name: request-success-rate, thresholdRange: {min: 99}, interval: 1m}]\n");
    expect(v.findings.find((f) => f.code === "ANALYSIS_STRATEGY_CONFLICT")).toMatchObject({ path: "spec.analysis.stepWeight", line: 12, column: 5 });
  });

  it("the base Canary reads without issues", () => {
    expect(read(baseCanary()).issues).toEqual([]);
  });
});
