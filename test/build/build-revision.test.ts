/**
 * Builds with the real kustomize engine (kubectl kustomize or kustomize on this machine): these
 * tests need one, as the product does; without one, the raw fallback is tested instead.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runRevisionBuild, type RevisionFiles } from "../../src/build/build-revision.js";
import { findKustomizeEngine, type KustomizeEngine } from "../../src/build/kustomize.js";
import type { RevisionScope } from "../../src/build/types.js";
import { buildDefaultConfig, parseRepositoryConfig, type RepositoryConfig } from "../../src/config/index.js";
import { readFixtureCommit } from "../github/helpers.js";


/** A commit folder of a GitOps fixture as the build takes it: path → content. */
const readCommitFiles = (fixture: string, name: string) => new Map(Object.entries(readFixtureCommit(fixture, name)));

function config(text: string): RepositoryConfig {
  const result = parseRepositoryConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function canaries(scope: RevisionScope | undefined) {
  return (scope?.files ?? []).flatMap((f) => f.documents).filter((d) => d.kind === "Canary");
}

let engine: KustomizeEngine | undefined;
beforeAll(async () => {
  engine = await findKustomizeEngine();
  if (!engine) throw new Error("these tests need kustomize or kubectl on PATH (or KUSTOMIZE_BIN)");
});

const build = (files: RevisionFiles, cfg: RepositoryConfig = buildDefaultConfig()) => runRevisionBuild({ files, config: cfg, engine });

describe("building a revision with kustomize", () => {
  const environments = readCommitFiles("gitops-environments", "1-initial");

  it("renders each Flux Kustomization into its cluster: overlay namespaces, patches and substituted variables", async () => {
    const built = await build(environments);
    expect(built.mode).toBe("kustomize");
    expect(built.notes).toEqual([]);
    const byId = new Map(built.scopes.map((s) => [s.id, s]));
    const staging = canaries(byId.get("staging"));
    const production = canaries(byId.get("production"));
    expect(staging.map((d) => [d.namespace, d.name])).toEqual([["podinfo-staging", "podinfo"]]);
    expect(production.map((d) => [d.namespace, d.name])).toEqual([["podinfo", "podinfo"]]);
    const analysis = (d: (typeof staging)[number]) => (d.value as { spec: { analysis: Record<string, unknown> } }).spec.analysis;
    // staging: the strategic-merge patch and canary_threshold "5"; production: the default of ${canary_threshold:=10}.
    expect([analysis(staging[0]!).interval, analysis(staging[0]!).iterations, analysis(staging[0]!).threshold]).toEqual(["10s", 5, 5]);
    expect([analysis(production[0]!).interval, analysis(production[0]!).threshold]).toEqual(["15s", 10]);
  });

  it("places every rendered object in its source file and line, drops the origin annotation, and never reads a patch as an object", async () => {
    const built = await build(environments);
    const [canary] = canaries(built.scopes.find((s) => s.id === "staging"));
    expect(canary?.file).toBe("apps/base/podinfo/canary.yaml");
    const source = environments.get("apps/base/podinfo/canary.yaml")!.split("\n");
    const threshold = canary!.locate(["spec", "analysis", "threshold"]);
    expect(source[threshold.line - 1]).toContain("threshold: ${canary_threshold:=10}");
    expect(source[canary!.locate(["spec", "service", "port"]).line - 1]).toContain("port: 9898");
    expect(JSON.stringify(canary!.value)).not.toContain("config.kubernetes.io/origin");
    // A field the staging overlay's patch sets is placed in the patch, on its line.
    expect(canary!.locate(["spec", "analysis", "iterations"])).toEqual({ file: "apps/staging/canary-patch.yaml", line: 8, column: 17 });
    expect(canary!.locate(["spec", "analysis", "threshold"]).file).toBeUndefined();
    const paths = built.scopes.flatMap((s) => s.files.map((f) => f.path));
    expect(paths).not.toContain("apps/staging/canary-patch.yaml");
    expect(paths).toContain("apps/base/podinfo/deployment.yaml");
    // Rendered with the overlay's image and namespace.
    const deployment = built.scopes.find((s) => s.id === "staging")!.files.flatMap((f) => f.documents).find((d) => d.kind === "Deployment");
    expect(deployment?.namespace).toBe("podinfo-staging");
  });

  it("names environments from .github/canary-bot.yml paths, with their cluster", async () => {
    const cfg = config("environments:\n  - name: stage\n    cluster: eu-1\n    paths: ['clusters/staging/**']\n  - name: prod\n    cluster: us-1\n    paths: ['apps/production/**']\n");
    const built = await build(environments, cfg);
    expect(built.scopes.filter((s) => canaries(s).length > 0).map((s) => [s.id, s.environment, s.cluster])).toEqual([
      ["prod", "prod", "us-1"],
      ["stage", "stage", "eu-1"],
    ]);
  });

  it("builds a plain kustomization root, reads loose files as they are, and takes variables from a ConfigMap in the repository", async () => {
    const canary = environments.get("apps/base/podinfo/canary.yaml")!;
    const files = new Map<string, string>([
      ["base/canary.yaml", canary],
      ["base/kustomization.yaml", "resources: [canary.yaml]\nnamespace: team\n"],
      ["loose/other.yaml", canary.replace("name: podinfo", "name: loose")],
      ["clusters/c1/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: flux-system}\n  path: ./flux\n  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars}]\n"],
      ["clusters/c1/vars.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars, namespace: flux-system}\ndata: {canary_threshold: '7'}\n"],
      ["flux/canary.yaml", canary.replace("name: podinfo\n", "name: flux\n  namespace: web\n")],
    ]);
    const built = await build(files);
    const found = built.scopes.flatMap((s) => canaries(s).map((d) => [s.id, d.namespace ?? null, d.name, (d.value as { spec: { analysis: { threshold: unknown } } }).spec.analysis.threshold]));
    expect(found).toEqual([
      // A plain kustomization is not Flux: nothing is substituted.
      ["", "team", "podinfo", "${canary_threshold:=10}"],
      ["", null, "loose", "${canary_threshold:=10}"],
      ["c1", "web", "flux", 7],
    ]);
  });

  it("says so and reads the files as they are when kustomize fails or a base is remote", async () => {
    const canary = environments.get("apps/base/podinfo/canary.yaml")!;
    const files = new Map<string, string>([
      ["broken/kustomization.yaml", "resources: [missing.yaml, canary.yaml]\n"],
      ["broken/canary.yaml", canary],
      ["remote/kustomization.yaml", "resources: [https://github.com/stefanprodan/podinfo//kustomize?ref=6.1.0, canary.yaml]\n"],
      ["remote/canary.yaml", canary.replace("name: podinfo", "name: remote")],
      ["remote/patch.yaml", "kind: Canary\n"],
    ]);
    const built = await build(files);
    expect(built.notes).toHaveLength(2);
    expect(built.notes[0]).toMatch(/^kustomization broken could not be built \(.*missing\.yaml.*\): its files were reviewed as they are\.$/);
    expect(built.notes[0]).not.toContain("canary-bot-build-");
    expect(built.notes[1]).toBe("kustomization remote uses a remote base (https://github.com/stefanprodan/podinfo//kustomize?ref=6.1.0), which canary-bot cannot fetch: its files were reviewed as they are.");
    expect(built.scopes.flatMap((s) => canaries(s).map((d) => d.name)).sort()).toEqual(["podinfo", "remote"]);
  });

  it("validates the objects of a source file over canary-bot's read limit one by one, without a size error", async () => {
    const big = Array.from({ length: 260 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {filler: "${"x".repeat(4200)}"}\n`).join("---\n");
    expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
    const built = await build(new Map([["big/kustomization.yaml", "resources: [all.yaml]\n"], ["big/all.yaml", big]]));
    const file = built.scopes.flatMap((s) => s.files).find((f) => f.path === "big/all.yaml");
    expect([file?.documents.length, file?.findings]).toEqual([260, []]);
  });

  it("places fields set by a JSON 6902 patch file and by a Flux Kustomization's inline patch in those patches", async () => {
    const deployment = environments.get("apps/base/podinfo/deployment.yaml")!;
    const files = new Map<string, string>([
      ["clusters/c3/apps.yaml", [
        "apiVersion: kustomize.toolkit.fluxcd.io/v1",
        "kind: Kustomization",
        "metadata: {name: apps, namespace: flux-system}",
        "spec:",
        "  sourceRef: {kind: GitRepository, name: flux-system}",
        "  path: ./app",
        "  patches:",
        "    - target: {kind: Deployment}",
        "      patch: |",
        "        apiVersion: apps/v1",
        "        kind: Deployment",
        "        metadata: {name: any}",
        "        spec: {minReadySeconds: 9}",
        "",
      ].join("\n")],
      ["app/kustomization.yaml", "resources: [deployment.yaml]\npatchesJson6902:\n- path: deployment.patch.yaml\n  target: {group: apps, version: v1, kind: Deployment, name: podinfo}\n"],
      ["app/deployment.yaml", deployment],
      ["app/deployment.patch.yaml", "- op: add\n  path: /spec/template/spec/containers/-\n  value:\n    name: sidecar\n    image: proxy:1\n- op: replace\n  path: /spec/replicas\n  value: 3\n"],
    ]);
    const built = await build(files);
    expect(built.notes).toEqual([]);
    const rendered = built.scopes.flatMap((s) => s.files.flatMap((f) => f.documents)).find((d) => d.kind === "Deployment")!;
    expect(rendered.locate(["spec", "replicas"])).toEqual({ file: "app/deployment.patch.yaml", line: 8, column: 10 });
    expect(rendered.locate(["spec", "minReadySeconds"])).toMatchObject({ file: "clusters/c3/apps.yaml", line: 9 });
    // A field no patch sets stays in the Deployment's own file.
    expect(rendered.locate(["spec", "template", "spec", "containers", 0, "image"]).file).toBeUndefined();
  });

  it("says when a Canary file in a kustomization folder is built by nothing", async () => {
    const canary = environments.get("apps/base/podinfo/canary.yaml")!;
    const files = new Map<string, string>([
      ["app/kustomization.yaml", "resources: [deploy.yaml]\n"],
      ["app/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"],
      ["app/canary.yaml", canary],
    ]);
    const built = await build(files);
    expect(built.notes).toEqual(["app/canary.yaml holds Canary podinfo, but no kustomization or Flux Kustomization builds it (it is not among any resources): the cluster never receives it, and it was not reviewed."]);
  });

  it("builds a Flux path without a kustomization file as Flux does, leaving out YAML that is not an object (with a note)", async () => {
    const files = new Map<string, string>([
      ["clusters/c2/sync.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: flux-system}\n  path: ./deploy\n  targetNamespace: web\n"],
      ["deploy/a/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"],
      ["deploy/values.yaml", "replicas: 2\n"],
      ["deploy/sub/kustomization.yaml", "resources: [cm.yaml]\n"],
      ["deploy/sub/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"],
    ]);
    const built = await build(files);
    expect(built.notes).toEqual([expect.stringMatching(/deploy\/values\.yaml holds YAML that is not a Kubernetes object/)]);
    const scope = built.scopes.find((s) => s.id === "c2")!;
    expect(scope.files.flatMap((f) => f.documents).map((d) => `${d.namespace}/${d.name} ${d.file}:${d.line}`).sort()).toEqual([
      "flux-system/apps clusters/c2/sync.yaml:1",
      "web/a deploy/a/cm.yaml:1",
      "web/b deploy/sub/cm.yaml:1",
    ]);
  });
});

describe("without a kustomize binary", () => {
  it("reads every manifest as it is and says so once", async () => {
    const files = readCommitFiles("gitops-environments", "1-initial");
    const built = await runRevisionBuild({ files, config: buildDefaultConfig(), engine: undefined });
    expect(built.mode).toBe("raw");
    expect(built.notes).toEqual([expect.stringMatching(/^No kustomize binary was found/)]);
    // The patch is then read as a (partial) Canary: that is why the build matters.
    expect(built.scopes.flatMap((s) => canaries(s).map((d) => d.file)).sort()).toEqual(["apps/base/podinfo/canary.yaml", "apps/staging/canary-patch.yaml"]);
  });

  it("finds no engine when KUSTOMIZE_BIN is empty or names nothing executable", async () => {
    expect(await findKustomizeEngine({ KUSTOMIZE_BIN: "", PATH: process.env.PATH })).toBeUndefined();
    expect(await findKustomizeEngine({ KUSTOMIZE_BIN: "/nonexistent/kustomize", PATH: process.env.PATH })).toBeUndefined();
    expect(await findKustomizeEngine({ PATH: "/nonexistent" })).toBeUndefined();
  });
});
