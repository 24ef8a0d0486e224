import { describe, expect, it } from "vitest";
import { validate } from "../support.js";

describe("the Canary as a Kubernetes object", () => {
  it("an API version Flagger no longer serves", () => {
    const v = validate("apiVersion: flagger.app/v1alpha3\nkind: Canary\nmetadata:\n  name: podinfo\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service: {port: 80}\n  canaryAnalysis: {interval: 1m}\n");
    expect(v.findings.find((f) => f.code === "CANARY_API_VERSION")).toMatchObject({ severity: "error", path: "apiVersion", line: 1, column: 13 });
    expect(v.codes).toEqual(["CANARY_API_VERSION", "SCHEMA_REQUIRED", "SCHEMA_UNKNOWN_FIELD", "TARGET_NOT_FOUND"]);
  });

  it("a name the API server refuses", () => {
    const v = validate("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: PodInfo\n");
    expect(v.findings.find((f) => f.code === "METADATA_NAME_INVALID")).toMatchObject({ line: 4, column: 9 });
  });

  it("no name and no spec", () => {
    const v = validate("apiVersion: flagger.app/v1beta1\nkind: Canary\n");
    expect(v.codes).toEqual(["CANARY_SPEC_MISSING", "METADATA_NAME_MISSING"]);
    expect(v.findings.every((f) => f.line === 1)).toBe(true);
  });

  it("a spec that is null counts as missing (the API server prunes null fields)", () => {
    expect(validate("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: x\nspec: null\n").codes).toEqual(["CANARY_SPEC_MISSING"]);
  });
});

describe("documents that are almost a Canary", () => {
  it("a fragment without apiVersion and kind (the corpus' webhooks snippet)", () => {
    const v = validate("  analysis:\n    webhooks:\n      - name: gate\n        url: http://gate/\n");
    expect(v.findings).toEqual([expect.objectContaining({ code: "CANARY_FRAGMENT", severity: "error", line: 1, column: 3 })]);
    expect(v.findings[0]!.message).toContain("apiVersion and kind");
  });

  it("kind Canary without apiVersion", () => {
    expect(validate("kind: Canary\nmetadata:\n  name: x\nspec: {}\n").codes).toEqual(["CANARY_FRAGMENT"]);
  });

  it("other YAML without apiVersion (values files, workflows) is not reported", () => {
    expect(validate("replicaCount: 2\nimage:\n  tag: 1.0\n").findings).toEqual([]);
  });

  it("a Canary of another API group is named, not validated", () => {
    const v = validate("apiVersion: canaries.flanksource.com/v1\nkind: Canary\nmetadata:\n  name: http\nspec:\n  http: []\n");
    expect(v.findings).toEqual([expect.objectContaining({ code: "NOT_FLAGGER_CANARY", severity: "notice", path: "apiVersion" })]);
  });
});
