import { describe, expect, it } from "vitest";
import { isUnderVariable, substituteFluxDefaults } from "../../src/canary/flux-variables.js";
import { only, validate } from "../validate/support.js";

describe("Flux variables in raw files", () => {
  it("a whole-value variable with a default takes the default, typed as YAML reads the substituted text", () => {
    const { value, variables } = substituteFluxDefaults({ spec: { threshold: "${THRESHOLD:=10}", on: "${ON:=true}", url: "http://${HOST}/x", list: ["${A:=1m}"] } });
    expect(value).toEqual({ spec: { threshold: 10, on: true, url: "http://${HOST}/x", list: ["1m"] } });
    expect(variables.map((v) => [v.path.join("."), v.text])).toEqual([
      ["spec.threshold", "${THRESHOLD:=10}"],
      ["spec.on", "${ON:=true}"],
      ["spec.url", "${HOST}"],
      ["spec.list.0", "${A:=1m}"],
    ]);
  });

  it("leaves values without variables, and Flux's $${escape}, untouched", () => {
    const input = { a: { b: "$${NOT_A_VARIABLE}" }, c: [1, "x"] };
    const result = substituteFluxDefaults(input);
    expect(result.value).toBe(input);
    expect(result.variables).toEqual([]);
  });

  it("paths under a variable", () => {
    const variables = [{ path: ["spec", "analysis", "threshold"], text: "${T}" }];
    expect(isUnderVariable(["spec", "analysis", "threshold"], variables)).toBe(true);
    expect(isUnderVariable(["spec", "analysis"], variables)).toBe(false);
  });

  const canary = (analysis: string) => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
${analysis}    stepWeight: 10
    maxWeight: 50
    metrics:
      - name: request-success-rate
        interval: 1m
        thresholdRange:
          min: 99
`;

  it("are one notice, never a type or pattern error", () => {
    const v = validate(canary("    interval: ${INTERVAL}\n    threshold: ${THRESHOLD:=10}\n"));
    expect(v.findings.filter((f) => f.severity === "error")).toEqual([]);
    const [notice] = only(v, "FLUX_VARIABLE_NOT_SUBSTITUTED");
    expect(notice).toMatchObject({ severity: "notice", path: "spec.analysis.interval", line: 14 });
    expect(notice!.message).toContain("`${THRESHOLD:=10}` (spec.analysis.threshold, read as its default 10)");
  });

  it("a default of the wrong type is not a type error either: the notice is the field's only finding", () => {
    const v = validate(canary("    interval: 1m\n    threshold: ${THRESHOLD:=ten}\n"));
    expect(v.codes).toContain("FLUX_VARIABLE_NOT_SUBSTITUTED");
    expect(v.codes).not.toContain("SCHEMA_TYPE");
    expect(v.findings.filter((f) => f.path === "spec.analysis.threshold").map((f) => f.code)).toEqual(["FLUX_VARIABLE_NOT_SUBSTITUTED"]);
  });
});
