/**
 * Every file of ../shared/corpus through validate: no exception, and the verdict (valid, invalid,
 * no Flagger Canary) agrees with INDEX.tsv's notes, except for the disagreements listed here and
 * explained in docs/corpus.md. Each file is validated on its own, as its own repository, with the
 * controller's mesh provider set to the provider INDEX.tsv gives (its notes say when that provider
 * comes from -mesh-provider rather than spec.provider).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/canary/findings.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { allFindings, validateManifests, type ValidationResult } from "../../src/validate/validate.js";

const CORPUS = join(import.meta.dirname, "../../../shared/corpus");
const DOCS = join(import.meta.dirname, "../../docs/corpus.md");

interface Entry {
  file: string;
  provider: string;
  strategy: string;
  notes: string;
}

type Verdict = "valid" | "invalid" | "no Canary";

function readIndex(): Entry[] {
  const [header, ...rows] = readFileSync(join(CORPUS, "INDEX.tsv"), "utf8").trimEnd().split("\n");
  const columns = header!.split("\t");
  return rows.map((row) => {
    const cells = Object.fromEntries(row.split("\t").map((cell, i) => [columns[i], cell]));
    return { file: cells.file!, provider: cells.provider!, strategy: cells.strategy!, notes: cells.notes! };
  });
}

/**
 * INDEX.tsv's notes as a verdict: "invalid…" is invalid; "templated…" (a raw Helm template, which
 * canary-bot skips with a HELM_TEMPLATE notice: it is not a manifest until rendered, issue 9) and
 * "negative…" (also "questionable/negative") have no Flagger Canary to validate; the rest
 * ("questionable", "legacy", "extracted", plain notes) are what the API server accepts.
 */
function expectedVerdict(notes: string): Verdict {
  const head = notes.split(":")[0]!.toLowerCase();
  if (head.startsWith("templated")) return "no Canary";
  if (head.startsWith("invalid")) return "invalid";
  if (head.includes("negative")) return "no Canary";
  return "valid";
}

/** The controller's -mesh-provider for a Canary without spec.provider, from INDEX.tsv's column. */
function meshProviderFor(provider: string): string {
  if (provider === "gatewayapi") return "gatewayapi:v1";
  // App Mesh's current API; plain `appmesh` is the v1beta1 router that also wants service.meshName.
  if (provider === "appmesh") return "appmesh:v1beta2";
  if (provider === "n/a") return DEFAULT_CONTROLLER_SETTINGS.meshProvider;
  return provider;
}

function validateEntry(entry: Entry): { result: ValidationResult; findings: Finding[]; verdict: Verdict } {
  const file = parseManifestFile({ path: entry.file, content: readFileSync(join(CORPUS, entry.file)) });
  const result = validateManifests({ files: [file], settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: meshProviderFor(entry.provider) } });
  const findings = result.files.flatMap((f) => allFindings(f));
  const canaries = result.files.flatMap((f) => f.canaries);
  const verdict: Verdict = findings.some((f) => f.severity === "error") ? "invalid" : canaries.length === 0 ? "no Canary" : "valid";
  return { result, findings, verdict };
}

/**
 * Where canary-bot's verdict differs from INDEX.tsv, with the finding codes that make the
 * difference; docs/corpus.md explains each one.
 */
export const DISAGREEMENTS: Record<string, { ours: Verdict; because: string[] }> = {
  // "questionable": metric names that are neither built-in nor have a query/templateRef fail every check (§2 FAIL).
  "canaries/AnkitAdarsh__flagger-istio-demo-in-kind__podinfo-canary.yaml": { ours: "invalid", because: ["METRIC_NOT_BUILTIN_WITHOUT_QUERY"] },
  "canaries/Eli1123__progressive-delivery-addon-demo__templates-canary.yaml": { ours: "invalid", because: ["METRIC_NOT_BUILTIN_WITHOUT_QUERY"] },
};

const ENTRIES = readIndex();

describe("the corpus index", () => {
  it("lists every file of both folders, 124 in all", () => {
    expect(ENTRIES).toHaveLength(124);
    expect(ENTRIES.filter((e) => e.file.startsWith("templated/"))).toHaveLength(9);
  });
});

describe("every corpus file: verdict as INDEX.tsv says, or a documented disagreement", () => {
  it.each(ENTRIES.map((e) => [e.file, e] as const))("%s", (_file, entry) => {
    const { findings, verdict } = validateEntry(entry);
    const disagreement = DISAGREEMENTS[entry.file];
    const expected = expectedVerdict(entry.notes);
    if (disagreement) {
      expect(disagreement.ours).not.toBe(expected);
      expect({ verdict, codes: [...new Set(findings.map((f) => f.code))].filter((c) => disagreement.because.includes(c)).sort() }).toEqual({ verdict: disagreement.ours, codes: [...disagreement.because].sort() });
    } else {
      expect({ verdict, errors: findings.filter((f) => f.severity === "error").map((f) => `${f.code} ${f.line}`) }).toEqual({ verdict: expected, errors: expected === "invalid" ? expect.anything() : [] });
    }
  });

  it("docs/corpus.md explains every disagreement", () => {
    const docs = readFileSync(DOCS, "utf8");
    for (const [file, { because }] of Object.entries(DISAGREEMENTS)) {
      expect(docs).toContain(file);
      for (const code of because) expect(docs).toContain(code);
    }
  });
});

describe("facts INDEX.tsv notes about single files are detected", () => {
  const byName = (fragment: string) => {
    const entry = ENTRIES.find((e) => e.file.includes(fragment));
    if (!entry) throw new Error(`no corpus file matches ${fragment}`);
    return validateEntry(entry);
  };
  const codesOf = (fragment: string) => new Set(byName(fragment).findings.map((f) => f.code));

  it("the flanksource Canary is not Flagger's", () => {
    const { result, findings } = byName("ionfury__homelab__canary.yaml");
    expect(result.files[0]!.canaries).toEqual([]);
    expect(findings.map((f) => f.code)).toEqual(["NOT_FLAGGER_CANARY"]);
  });

  it("the commented-out Canary gives no Canary, and a notice on its line", () => {
    const { result, findings } = byName("golang-api-ingress.yaml");
    expect(result.files[0]!.canaries).toEqual([]);
    expect(findings).toEqual([expect.objectContaining({ code: "COMMENTED_OUT_CANARY", severity: "notice", line: 38 })]);
  });

  it("the Flux Kustomization that only names a Canary in healthChecks is not a Canary", () => {
    const { result, findings } = byName("workloads-frontend-podinfo-kustomization.yaml");
    expect(result.files[0]!.canaries).toEqual([]);
    expect(findings).toEqual([]);
  });

  it("every v1alpha3 Canary gets CANARY_API_VERSION, and flagger.app/v1 too", () => {
    const legacy = ENTRIES.filter((e) => /v1alpha3/.test(e.notes));
    expect(legacy.length).toBeGreaterThanOrEqual(9);
    for (const entry of legacy) expect(validateEntry(entry).findings.map((f) => f.code)).toContain("CANARY_API_VERSION");
    expect(codesOf("batokenms__flagger-canary-deployment__apache-canary")).toContain("CANARY_API_VERSION");
  });

  it("the pre-release layout and canaryAnalysis are unknown fields, and analysis is missing", () => {
    const codes = codesOf("stefanprodan__istio-gke");
    expect([...codes].sort()).toEqual(expect.arrayContaining(["SCHEMA_REQUIRED", "SCHEMA_UNKNOWN_FIELD"]));
    expect(byName("batokenms__flagger-canary-deployment__canary-resource").findings.filter((f) => f.code === "SCHEMA_UNKNOWN_FIELD").map((f) => f.path)).toEqual(["spec.service.primaryService", "spec.service.canaryService", "spec.canaryAnalysis"]);
  });

  it("the kustomize patch lacks interval, threshold and a strategy", () => {
    expect([...codesOf("seizadi__flagger-linkerd__workloads-overlays-canary")]).toEqual(expect.arrayContaining(["ANALYSIS_FIELD_REQUIRED", "ANALYSIS_STRATEGY_MISSING", "SCHEMA_REQUIRED"]));
  });

  it("the webhooks docs fragment is a Canary fragment", () => {
    expect([...codesOf("docs-gitbook-usage-webhooks")]).toEqual(["CANARY_FRAGMENT"]);
  });

  it("each Helm template is HELM_TEMPLATE and nothing else", () => {
    for (const entry of ENTRIES.filter((e) => e.file.startsWith("templated/"))) expect(validateEntry(entry).findings.map((f) => f.code)).toEqual(["HELM_TEMPLATE"]);
  });

  it("the questionable Canaries show what makes them questionable", () => {
    expect([...codesOf("cacapouh")]).toEqual(expect.arrayContaining(["THRESHOLD_DELAYS_ROLLBACK", "METRIC_INTERVAL_TOO_SHORT"]));
    expect(codesOf("Akash-ai-gif")).toContain("ANALYSIS_WITHOUT_METRICS");
    expect(codesOf("nitikornchumnankul")).toContain("ANALYSIS_WITHOUT_METRICS");
    expect(codesOf("lukesterg")).toContain("SUCCESS_RATE_MIN_LOOKS_LIKE_RATIO");
    expect(codesOf("tkubica12__kubernetes-demo__demo-helm-canary-templates-ab-nginx")).toContain("MATCH_WITHOUT_ITERATIONS");
    expect(codesOf("video-canary-flagger")).toContain("REF_IGNORED_BY_PROVIDER");
  });

  it("multi-document files yield every Canary", () => {
    expect(byName("xNok__k8s-flagger-flux-istio-demo__apps-booking-canaries").result.files[0]!.canaries.map((c) => c.name)).toEqual(["productpage", "reviews"]);
    expect(byName("stefanprodan__gitops-linkerd__apps-faces-faces-canary").result.files[0]!.canaries).toHaveLength(3);
    expect(byName("knee-berts__argo-manifests__output").result.files[0]!.canaries).toHaveLength(1);
  });

  it("a Canary and its Deployment in one file are resolved against each other", () => {
    const { findings } = byName("aditirvan__flagger-canary-deployment__deployment");
    expect(findings.filter((f) => f.code === "TARGET_NOT_FOUND")).toEqual([]);
  });

  it("the Gloo e2e Canary's upstreamRef crosses namespaces, which -no-cross-namespace-refs refuses", () => {
    const entry = ENTRIES.find((e) => e.file.includes("test-gloo-test-canary"))!;
    const file = parseManifestFile({ path: entry.file, content: readFileSync(join(CORPUS, entry.file)) });
    const strict = validateManifests({ files: [file], settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "gloo", noCrossNamespaceRefs: true } });
    expect(strict.files.flatMap((f) => allFindings(f)).filter((f) => f.code === "CROSS_NAMESPACE_REF")).toEqual([expect.objectContaining({ severity: "error", path: "spec.upstreamRef.namespace", line: 12 })]);
  });
});
