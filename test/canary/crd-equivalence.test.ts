/**
 * Our schema verdict against the CRD's own OpenAPI schema run by a real JSON-schema validator
 * (ajv), on every corpus Canary and on generated mutations of them. "Our verdict" is an error
 * whose code is in CRD_LEVEL_CODES; ajv sees the object as the API server would validate it (see
 * prepareLikeApiServer). They must agree. Where our schema layer is stricter than the CRD it
 * emits a code outside CRD_LEVEL_CODES, and each such code is a listed exception with its own test.
 * CRD_RUNS and CRD_SEED (environment) run more or other mutations, e.g. CRD_RUNS=20000.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alertProviderSchema, canarySchema, CRD_LEVEL_CODES, metricTemplateSchema } from "../../src/canary/crd.js";
import type { PendingFinding } from "../../src/canary/findings.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { baseCanary } from "../validate/support.js";
import { loadCrdSchemas, prepareLikeApiServer, toAjvSchema, type OpenApi } from "./crd-support.js";

const CORPUS = join(import.meta.dirname, "../../../shared/corpus/canaries");

/**
 * Error codes our schema layer emits where the CRD (as ajv evaluates it) accepts the object.
 * Each is stricter than ajv for a reason Flagger or the API server gives; each has a test below.
 */
export const SCHEMA_EXCEPTIONS: Readonly<Record<string, string>> = {
  VALUE_NOT_INTEGER:
    "The CRD types iterations, weights, thresholds, ports, retries … as `number`, but Flagger's Go fields are int/int32: a fraction passes the API server and then Flagger cannot decode the Canary (Flagger v1.44 artifacts/flagger/crd.yaml).",
  MIRROR_BACKEND_PORT_REQUIRED:
    "The CRD's x-kubernetes-validations CEL rule on service.mirror[].backendRef, which the API server enforces but a JSON-schema validator cannot evaluate.",
};

const crds = loadCrdSchemas();
const crd = crds.Canary;
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
const validateWithAjv = ajv.compile(toAjvSchema(crd));

function judge(value: unknown): { ajvAccepts: boolean; ours: boolean; errorCodes: string[]; ajvErrors: string } {
  const issues: PendingFinding[] = [];
  canarySchema.read(value, { issues }, []);
  const errorCodes = [...new Set(issues.filter((f) => f.severity === "error").map((f) => f.code))].sort();
  const ajvAccepts = validateWithAjv(prepareLikeApiServer(crd, value)) as boolean;
  return { ajvAccepts, ours: errorCodes.some((code) => CRD_LEVEL_CODES.has(code)), errorCodes, ajvErrors: JSON.stringify(validateWithAjv.errors?.slice(0, 2)) };
}

/** Agreement as one comparable value, so that a failure shows the case. */
function agreement(value: unknown) {
  const verdict = judge(value);
  const unexplained = verdict.ajvAccepts ? verdict.errorCodes.filter((code) => !Object.hasOwn(SCHEMA_EXCEPTIONS, code)) : [];
  return { ours: verdict.ours, ajvRejects: !verdict.ajvAccepts, unexplained, ajvErrors: verdict.ours === !verdict.ajvAccepts ? "" : verdict.ajvErrors };
}

function corpusCanaries(): Array<{ file: string; value: unknown }> {
  const out: Array<{ file: string; value: unknown }> = [];
  for (const file of readdirSync(CORPUS).sort()) {
    const parsed = parseManifestFile({ path: file, content: readFileSync(join(CORPUS, file)) });
    for (const document of parsed.documents) if (document.kind === "Canary") out.push({ file, value: document.value });
  }
  return out;
}

describe("corpus Canaries: our schema verdict equals the CRD's (ajv)", () => {
  const canaries = corpusCanaries();
  it("reads enough of the corpus to mean something", () => {
    expect(canaries.length).toBeGreaterThan(100);
  });
  it.each(canaries.map((c, i) => [`${c.file}#${i}`, c.value] as const))("%s", (_name, value) => {
    expect(agreement(value)).toEqual({ ours: agreement(value).ajvRejects, ajvRejects: agreement(value).ajvRejects, unexplained: [], ajvErrors: "" });
  });
});

describe("the listed exceptions (stricter than the CRD, on purpose)", () => {
  it("VALUE_NOT_INTEGER: ajv accepts a fractional stepWeight, Flagger cannot decode it", () => {
    const canary = baseCanary();
    canary.spec.analysis.stepWeight = 2.5;
    expect(judge(canary)).toMatchObject({ ajvAccepts: true, ours: false, errorCodes: ["VALUE_NOT_INTEGER"] });
  });

  it("MIRROR_BACKEND_PORT_REQUIRED: ajv cannot run the CEL rule the API server enforces", () => {
    const canary = baseCanary();
    canary.spec.service.mirror = [{ backendRef: { name: "shadow" } }];
    expect(judge(canary)).toMatchObject({ ajvAccepts: true, ours: false, errorCodes: ["MIRROR_BACKEND_PORT_REQUIRED"] });
    canary.spec.service.mirror = [{ backendRef: { name: "shadow", port: 80 } }];
    expect(judge(canary)).toMatchObject({ ajvAccepts: true, errorCodes: [] });
  });

  it("YAML's .inf is not a JSON number (kubectl cannot send it), so ours rejects it; ajv is not asked", () => {
    const canary = baseCanary();
    canary.spec.analysis.metrics[0].thresholdRange.min = Number.POSITIVE_INFINITY;
    const issues: PendingFinding[] = [];
    canarySchema.read(canary, { issues }, []);
    expect(issues.map((f) => f.code)).toEqual(["SCHEMA_TYPE"]);
  });

  it("every exception is a real code of ours and not a CRD-level code", () => {
    for (const code of Object.keys(SCHEMA_EXCEPTIONS)) expect(CRD_LEVEL_CODES.has(code)).toBe(false);
  });
});

describe("the API-server preparation is faithful (prepareLikeApiServer)", () => {
  it("prunes nulls and unknown fields, applies defaults, drops status", () => {
    const value = { spec: { analysis: { interval: "1m", threshold: null, nope: 1, sessionAffinity: { cookieName: "a", maxAge: null } }, service: { port: 80, gatewayRefs: [{ name: "gw" }], hosts: null, apex: { labels: { a: null, b: "x" } } } }, status: { phase: 1 } };
    expect(prepareLikeApiServer(crd, value)).toEqual({
      spec: { analysis: { interval: "1m", sessionAffinity: { cookieName: "a", maxAge: 86400 } }, service: { port: 80, gatewayRefs: [{ name: "gw", group: "gateway.networking.k8s.io", kind: "Gateway" }], apex: { labels: { b: "x" } } } },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations: paths taken from the CRD itself, values chosen to hit types, enums, patterns,
// fractions, nulls, required fields, oneOfs and unknown keys.

type Segment = string | number;
interface Site {
  path: Segment[];
  node: OpenApi;
  required: boolean;
}

function collectSites(node: OpenApi, path: Segment[], required: boolean, out: Site[], depth = 0): void {
  if (depth > 12) return;
  out.push({ path, node, required });
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties as Record<string, OpenApi>)) {
      if (path.length === 0 && key === "status") continue;
      collectSites(child, [...path, key], (node.required ?? []).includes(key), out, depth + 1);
    }
  } else if (node.additionalProperties && typeof node.additionalProperties === "object") {
    collectSites(node.additionalProperties as OpenApi, [...path, "k"], false, out, depth + 1);
  }
  if (node.items) collectSites(node.items as OpenApi, [...path, 0], false, out, depth + 1);
}

const SITES: Site[] = [];
collectSites(crd, [], false, SITES);

const DURATIONS = ["1m", "30s", "1m30s", "90s", "5mins", "10ms", "1h", "1.5m", " 1m", "m1", "0s", "90"];
const NAMES = ["gateway", "Gateway", "a.b", "-a", "a_b", "x".repeat(64), "x".repeat(254), "", "😀".repeat(40)];
const GENERIC: unknown[] = [null, "x", "", 0, 1, -1, 1.5, true, {}, [], ["x"], { unknown: 1 }];

function interestingValues(node: OpenApi): unknown[] {
  if (node["x-kubernetes-int-or-string"]) return [...GENERIC, "http", 8080, 8080.5, "8080"];
  switch (node.type) {
    case "string":
      return [...GENERIC, ...(node.enum ?? []), ...(node.enum ?? []).map((e: string) => e.toUpperCase()), ...(node.pattern ? [...DURATIONS, ...NAMES] : []), ...(node.maxLength ? NAMES : [])];
    case "number":
    case "integer":
      return [...GENERIC, 0, 10, 100, 101, 65535, 65536, 2.5, -0.5, "5"];
    case "boolean":
      return [...GENERIC, "true", false];
    case "array":
      return [...GENERIC, [null], [1.5], [{}], [{ name: "x" }], [{ name: "x", port: 70000 }], [5, 10], [10, 5], [{ backendRef: { name: "m" } }], [{ exact: "a" }, { prefix: "b", regex: "c" }]];
    default:
      return [
        ...GENERIC,
        { exact: "a" },
        { exact: "a", prefix: "b" },
        { suffix: "x" },
        { regex: 1 },
        { prefix: "a" },
        { name: "x" },
        { simple: "RANDOM" },
        { simple: "RANDOM", consistentHash: { useSourceIp: true } },
        { consistentHash: { httpHeaderName: "x", useSourceIp: true } },
        { localityLbSetting: { enabled: true } },
        { backendRef: { name: "x" } },
        { backendRef: { name: "x", group: "g.io", kind: "Svc" } },
        { cookieName: "a" },
        { cookieName: "a", maxAge: null },
        { apiVersion: "v1", kind: "Deployment", name: "x" },
        { name: "x", providerRef: { name: "p" } },
        { name: "x", url: "http://x", type: "pre-rollout", timeout: "5mins" },
        { headers: { h: {} } },
        { queryParams: { q: {} } },
        { type: "slack", address: "x", secretRef: { name: "s" } },
      ];
  }
}

/** A value the schema accepts: required fields filled, the first oneOf branch satisfied. */
function sampleValid(node: OpenApi | undefined): unknown {
  if (!node) return {};
  if (node["x-kubernetes-int-or-string"]) return 8080;
  switch (node.type) {
    case "string":
      if (node.enum) return node.enum.find((e: string) => e !== "") ?? "";
      if (node.pattern) return node.pattern.includes("m|s") ? "1m" : "gw";
      return "x";
    case "number":
    case "integer":
      return node.minimum ?? 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default: {
      const out: Record<string, unknown> = {};
      const required = [...(node.required ?? []), ...(node.oneOf?.[0]?.required ?? [])];
      for (const key of required) if (node.properties?.[key]) out[key] = sampleValid(node.properties[key]);
      return out;
    }
  }
}

function nodeAt(path: Segment[]): OpenApi | undefined {
  let node: OpenApi | undefined = crd;
  for (const segment of path) {
    if (!node) return undefined;
    if (typeof segment === "number") node = node.items;
    else node = node.properties?.[segment] ?? (typeof node.additionalProperties === "object" ? node.additionalProperties : undefined);
  }
  return node;
}

type Op = { kind: "set"; path: Segment[]; value: unknown } | { kind: "delete"; path: Segment[] } | { kind: "strategy"; field: string; value: unknown };

const setOp = fc.integer({ min: 0, max: SITES.length - 1 }).chain((i) => {
  const site = SITES[i]!;
  return fc.oneof(fc.constantFrom(...interestingValues(site.node)), fc.constant(sampleValid(site.node))).map((value): Op => ({ kind: "set", path: site.path, value }));
});
const REQUIRED_SITES = SITES.filter((s) => s.required);
const deleteOp = fc.constantFrom(...REQUIRED_SITES).map((site): Op => ({ kind: "delete", path: site.path }));
const strategyOp = fc.record({ field: fc.constantFrom("iterations", "stepWeight", "stepWeights"), value: fc.constantFrom(0, 5, 10, [10, 20], [], null) }).map((r): Op => ({ kind: "strategy", ...r }));
const unknownKeyOp = fc
  .constantFrom(...SITES.filter((s) => s.node.properties))
  .chain((site) => fc.constantFrom("extra", "canaryAnalysis", "uri", "tcp", "suffix").map((key): Op => ({ kind: "set", path: [...site.path, key], value: 1 })));

function apply(target: Record<string, unknown>, op: Op): void {
  if (op.kind === "strategy") {
    const spec = ensure(target, ["spec", "analysis"]);
    if (spec) spec[op.field] = op.value;
    return;
  }
  const parent = ensure(target, op.path.slice(0, -1));
  if (!parent) return;
  const last = op.path[op.path.length - 1]!;
  if (op.kind === "delete") delete parent[last as string];
  else parent[last as string] = structuredClone(op.value);
}

/** Walks to a path, creating objects and one-element arrays on the way; undefined if a scalar blocks it. */
function ensure(root: Record<string, unknown>, path: Segment[]): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i]!;
    const next = path[i + 1];
    if (typeof node !== "object" || node === null) return undefined;
    const container = node as Record<string | number, unknown>;
    if (container[segment] === undefined || container[segment] === null || typeof container[segment] !== "object") {
      const created = sampleValid(nodeAt(path.slice(0, i + 1)));
      container[segment] = typeof next === "number" ? [sampleValid(nodeAt([...path.slice(0, i + 1), 0]))] : typeof created === "object" && created !== null ? created : {};
    }
    node = container[segment];
  }
  return typeof node === "object" && node !== null ? (node as Record<string | number, unknown>) : undefined;
}

describe("generated mutations: ours and ajv agree", () => {
  // Start from Canaries the CRD accepts, so that a rejection comes from the mutation.
  const bases = [baseCanary(), ...corpusCanaries().map((c) => c.value)].filter((v) => typeof v === "object" && v !== null && judge(v).ajvAccepts);
  const mutation = fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    ops: fc.array(fc.oneof({ weight: 6, arbitrary: setOp }, { weight: 2, arbitrary: deleteOp }, { weight: 1, arbitrary: strategyOp }, { weight: 1, arbitrary: unknownKeyOp }), { minLength: 1, maxLength: 3 }),
  });

  it("on 1,500 mutations, and the mutations hit both verdicts and many codes", () => {
    const seen = { accepted: 0, rejected: 0, codes: new Set<string>() };
    fc.assert(
      fc.property(mutation, ({ base, ops }) => {
        const value = structuredClone(bases[base]) as Record<string, unknown>;
        for (const op of ops) apply(value, op);
        const verdict = judge(value);
        if (verdict.ajvAccepts) seen.accepted += 1;
        else seen.rejected += 1;
        verdict.errorCodes.forEach((code) => seen.codes.add(code));
        expect(agreement(value)).toEqual({ ours: !verdict.ajvAccepts, ajvRejects: !verdict.ajvAccepts, unexplained: [], ajvErrors: "" });
      }),
      { numRuns: Number(process.env.CRD_RUNS ?? 1500), seed: Number(process.env.CRD_SEED ?? 20240721) },
    );
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.rejected).toBeGreaterThan(150);
    expect([...seen.codes].sort()).toEqual(expect.arrayContaining(["ANALYSIS_FIELD_REQUIRED", "ANALYSIS_STRATEGY_CONFLICT", "SCHEMA_ENUM", "SCHEMA_ONE_OF", "SCHEMA_PATTERN", "SCHEMA_RANGE", "SCHEMA_REQUIRED", "SCHEMA_TYPE", "VALUE_NOT_INTEGER"]));
  });
});

describe("MetricTemplate and AlertProvider: ours and ajv agree", () => {
  const cases = {
    MetricTemplate: {
      schema: metricTemplateSchema,
      values: [
        { spec: { provider: { type: "prometheus", address: "http://p:9090" }, query: "up" } },
        { spec: { provider: { type: "prometheus" } } },
        { spec: { provider: { address: "http://p" }, query: "up" } },
        { spec: { provider: { type: "graphite", headers: { a: ["b"] } }, query: "x" } },
        { spec: { provider: { type: "graphite", headers: { a: "b" } }, query: "x" } },
        { spec: { provider: { type: "Prometheus" }, query: "x" } },
        { spec: { provider: { type: "datadog", secretRef: {} }, query: "x" } },
        { spec: { provider: { type: "datadog", secretRef: { name: "dd" }, insecureSkipVerify: "yes" }, query: "x" } },
        { spec: { provider: null, query: "x" } },
        { spec: { provider: { type: "keptn", extra: 1 }, query: 5 } },
      ],
    },
    AlertProvider: {
      schema: alertProviderSchema,
      values: [
        { spec: { type: "slack", address: "https://hooks.slack.com/x" } },
        { spec: { type: "slack", secretRef: { name: "s" } } },
        { spec: { type: "slack", address: "x", secretRef: { name: "s" } } },
        { spec: { type: "slack" } },
        { spec: { address: "x" } },
        { spec: { type: "teams", address: "x" } },
        { spec: { type: "discord", address: "x", channel: 5 } },
        { spec: { type: "gchat", secretRef: {} } },
        { spec: { type: "rocket", address: null, secretRef: { name: "s" } } },
      ],
    },
  } as const;

  for (const [kind, { schema, values }] of Object.entries(cases)) {
    const validateKind = ajv.compile(toAjvSchema(crds[kind as "MetricTemplate" | "AlertProvider"]));
    it.each(values.map((v) => [JSON.stringify(v), v] as const))(`${kind} %s`, (_name, value) => {
      const issues: PendingFinding[] = [];
      schema.read(value, { issues }, []);
      const ours = issues.some((f) => f.severity === "error" && CRD_LEVEL_CODES.has(f.code));
      expect(ours).toBe(!validateKind(prepareLikeApiServer(crds[kind as "MetricTemplate" | "AlertProvider"], value)));
    });
  }

  it("the cases cover both verdicts", () => {
    const verdicts = Object.entries(cases).flatMap(([kind, { values }]) => {
      const validateKind = ajv.compile(toAjvSchema(crds[kind as "MetricTemplate" | "AlertProvider"]));
      return values.map((v) => Boolean(validateKind(prepareLikeApiServer(crds[kind as "MetricTemplate" | "AlertProvider"], v))));
    });
    expect(new Set(verdicts)).toEqual(new Set([true, false]));
  });
});
