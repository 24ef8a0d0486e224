/**
 * Our CRD model (src/canary/crd.ts) against Flagger's published CRD, field by field: the same
 * properties at every level, the same types, enums, patterns, bounds, required lists and defaults.
 * Behaviour (oneOf, CEL, pruning) is compared with a JSON-schema validator in
 * crd-equivalence.test.ts.
 */
import { describe, expect, it } from "vitest";
import { alertProviderSchema, canarySchema, metricTemplateSchema } from "../../src/canary/crd.js";
import type { Schema } from "../../src/canary/schema.js";
import { loadCrdSchemas, type OpenApi } from "./crd-support.js";

/**
 * Fields the CRD types as `number` whose Go field is a float: fractions are legitimate there. Every
 * other CRD `number` maps to a Go int or int32 (pkg/apis/flagger/v1beta1/canary.go), and our model
 * must reject fractions (VALUE_NOT_INTEGER).
 */
const FLOAT_FIELDS = new Set([
  "spec.analysis.metrics[].threshold", // Threshold float64
  "spec.analysis.metrics[].thresholdRange.min", // Min *float64
  "spec.analysis.metrics[].thresholdRange.max", // Max *float64
  // status is written by Flagger and discarded from manifests (STATUS_IGNORED); not checked.
  "status.failedChecks",
  "status.canaryWeight",
  "status.iterations",
]);

interface Difference {
  path: string;
  problem: string;
}

function compare(crd: OpenApi, ours: Schema<unknown>, path: string, out: Difference[]): void {
  const shape = ours.shape;
  if (!shape) {
    out.push({ path, problem: "our schema has no shape" });
    return;
  }
  const push = (problem: string): void => {
    out.push({ path: path || "(root)", problem });
  };
  if (crd["x-kubernetes-int-or-string"]) {
    if (shape.type !== "int-or-string") push(`CRD is int-or-string, ours is ${shape.type}`);
    return;
  }
  const type = crd.type ?? (crd.properties ? "object" : undefined);
  switch (type) {
    case "string":
      if (shape.type !== "string") return push(`CRD is string, ours is ${shape.type}`);
      expectSame(push, "enum", crd.enum, shape.enum);
      expectSame(push, "pattern", crd.pattern, shape.pattern);
      expectSame(push, "minLength", crd.minLength, shape.minLength);
      expectSame(push, "maxLength", crd.maxLength, shape.maxLength);
      return;
    case "number":
      if (shape.type !== "number") return push(`CRD is number, ours is ${shape.type}`);
      if (FLOAT_FIELDS.has(path) === Boolean(shape.goInteger)) push(FLOAT_FIELDS.has(path) ? "a Go float field is marked goInteger" : "a Go integer field typed number is not marked goInteger");
      expectSame(push, "minimum", crd.minimum, shape.minimum);
      expectSame(push, "maximum", crd.maximum, shape.maximum);
      return;
    case "integer":
      if (shape.type !== "integer") return push(`CRD is integer, ours is ${shape.type}`);
      expectSame(push, "minimum", crd.minimum, shape.minimum);
      expectSame(push, "maximum", crd.maximum, shape.maximum);
      return;
    case "boolean":
      if (shape.type !== "boolean") push(`CRD is boolean, ours is ${shape.type}`);
      return;
    case "array":
      if (shape.type !== "array" || !shape.items) return push(`CRD is array, ours is ${shape.type}`);
      expectSame(push, "maxItems", crd.maxItems, shape.maxItems);
      compare(crd.items, shape.items, `${path}[]`, out);
      return;
    case "object":
      if (crd.properties) {
        if (shape.type !== "object" || !shape.properties) return push(`CRD is an object with properties, ours is ${shape.type}`);
        const theirs = Object.keys(crd.properties).sort();
        const mine = Object.keys(shape.properties).sort();
        expectSame(push, "properties", theirs, mine);
        expectSame(push, "required", [...(crd.required ?? [])].sort(), [...(shape.required ?? [])].sort());
        const defaults = Object.fromEntries(Object.entries(crd.properties as Record<string, OpenApi>).filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]));
        expectSame(push, "defaults", defaults, shape.defaults ?? {});
        for (const key of theirs) {
          const child = shape.properties[key];
          if (child) compare(crd.properties[key], child, path ? `${path}.${key}` : key, out);
        }
        return;
      }
      if (crd.additionalProperties) {
        if (shape.type !== "map" || !shape.values) return push(`CRD is a map, ours is ${shape.type}`);
        compare(crd.additionalProperties, shape.values, `${path}{}`, out);
        return;
      }
      if (shape.type !== "any-object") push(`CRD is a free object, ours is ${shape.type}`);
      return;
    default:
      push(`unknown CRD type ${JSON.stringify(type)}`);
  }
}

function expectSame(push: (problem: string) => void, what: string, crd: unknown, ours: unknown): void {
  if (JSON.stringify(crd) !== JSON.stringify(ours)) push(`${what}: CRD ${JSON.stringify(crd)}, ours ${JSON.stringify(ours)}`);
}

describe("src/canary/crd.ts mirrors flagger-crd.yaml v1.44 field by field (flagger-scheduler.md §1)", () => {
  const crds = loadCrdSchemas();
  it.each([
    ["Canary", canarySchema],
    ["MetricTemplate", metricTemplateSchema],
    ["AlertProvider", alertProviderSchema],
  ] as const)("%s", (kind, schema) => {
    const differences: Difference[] = [];
    compare(crds[kind], schema as Schema<unknown>, "", differences);
    // MetricTemplate and AlertProvider have no status in their CRD schema (only the status
    // subresource); ours reads one to say that it is discarded.
    const expected = kind === "Canary" ? [] : [{ path: "(root)", problem: `properties: CRD ["apiVersion","kind","metadata","spec"], ours ["apiVersion","kind","metadata","spec","status"]` }];
    expect(differences).toEqual(expected);
  });

  it("notices a difference (the comparison itself can fail)", () => {
    const crd = structuredClone(crds.Canary);
    crd.properties.spec.properties.analysis.properties.interval.pattern = "^[0-9]+(m|s|h)";
    delete crd.properties.spec.properties.analysis.properties.mirror;
    const differences: Difference[] = [];
    compare(crd, canarySchema as Schema<unknown>, "", differences);
    expect(differences.map((d) => d.path)).toEqual(["spec.analysis", "spec.analysis.interval"]);
  });
});
