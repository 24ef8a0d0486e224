import { describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { clusterOfPath, findBuildRoots, isRemoteReference, joinPath, selectBuildInputs } from "../../src/build/roots.js";

const flux = (name: string, path: string, extra = "") => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  sourceRef: {kind: GitRepository, name: flux-system}
  path: ${path}
${extra}`;

function roots(files: Record<string, string>) {
  const paths = new Set(Object.keys(files));
  const kustomizations = new Map(Object.entries(files).filter(([p]) => /(^|\/)kustomization\.ya?ml$/.test(p)));
  const manifests = Object.entries(files)
    .filter(([p]) => /\.ya?ml$/.test(p) && !kustomizations.has(p))
    .map(([path, content]) => parseManifestFile({ path, content }));
  return findBuildRoots({ paths, manifests, kustomizations, isManifest: (p) => !p.startsWith(".github/") });
}

describe("build roots", () => {
  it("finds Flux Kustomizations (v1 and v1beta2) with their cluster folder, spec fields and variables", () => {
    const r = roots({
      "clusters/staging/apps.yaml": flux("apps", "./apps/staging", "  targetNamespace: web\n  namePrefix: s-\n  postBuild:\n    substitute: {env: staging}\n    substituteFrom: [{kind: ConfigMap, name: vars, optional: true}]\n"),
      "clusters/production/apps.yaml": flux("apps", "./apps/production").replace("/v1\n", "/v1beta2\n"),
      "apps/staging/kustomization.yaml": "resources: [../base]\n",
      "apps/production/kustomization.yaml": "resources: [../base]\n",
      "apps/base/kustomization.yaml": "resources: [canary.yaml]\n",
      "apps/base/canary.yaml": "kind: Canary\n",
    });
    expect(r.flux.map((f) => [f.file, f.path, f.cluster, f.targetNamespace, f.namePrefix, f.postBuild])).toEqual([
      ["clusters/production/apps.yaml", "apps/production", "production", undefined, undefined, undefined],
      ["clusters/staging/apps.yaml", "apps/staging", "staging", "web", "s-", { substitute: { env: "staging" }, substituteFrom: [{ kind: "ConfigMap", name: "vars", optional: true }] }],
    ]);
    // The base is included by both overlays, the overlays are Flux paths: no plain root.
    expect(r.plain).toEqual([]);
    expect(r.loose).toEqual(["clusters/production/apps.yaml", "clusters/staging/apps.yaml"]);
  });

  it("takes a kustomization folder nothing includes as a plain root, and files outside every build as loose", () => {
    const r = roots({
      "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches: [{path: patch.yaml}]\n",
      "overlays/prod/patch.yaml": "kind: Canary\nmetadata: {name: a}\n",
      "base/kustomization.yaml": "resources: [canary.yaml]\n",
      "base/canary.yaml": "kind: Canary\n",
      "loose/metric.yaml": "kind: MetricTemplate\n",
      ".github/workflows/ci.yaml": "on: push\n",
    });
    expect(r.plain).toEqual(["overlays/prod"]);
    // Files in a kustomization folder (patches among them) are never loose.
    expect(r.loose).toEqual(["loose/metric.yaml"]);
  });

  it("builds a Flux path without a kustomization file from everything below it, and notes paths that are not in the repository or not from Git", () => {
    const r = roots({
      "clusters/dev/sync.yaml": `${flux("flux-system", "./clusters/dev")}---\n${flux("elsewhere", "./not/here")}---\n${flux("oci", "./x").replace("GitRepository", "OCIRepository")}`,
      "clusters/dev/apps.yaml": "kind: ConfigMap\n",
      "clusters/dev/infra/kustomization.yaml": "resources: []\n",
    });
    expect(r.flux.map((f) => f.path)).toEqual(["clusters/dev"]);
    expect(r.plain).toEqual([]);
    expect(r.loose).toEqual([]);
    expect(r.notes).toHaveLength(2);
    expect(r.notes.join("\n")).toMatch(/not\/here, which is not in this repository/);
    expect(r.notes.join("\n")).toMatch(/OCIRepository\/flux-system, not from a Git repository/);
  });

  it("does not build a Kustomization whose GitRepository is another repository", () => {
    const r = roots({
      "apps/podinfo-sync.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: podinfo, namespace: flux-system}\nspec: {url: https://github.com/stefanprodan/podinfo}\n---\n${flux("podinfo", "./apps").replace("name: flux-system}", "name: podinfo}")}`,
      "clusters/c/apps.yaml": flux("apps", "./apps"),
    });
    expect(r.flux.map((f) => `${f.name} ${f.path}`)).toEqual(["apps apps"]);
    expect(r.notes).toEqual(["Flux Kustomization flux-system/podinfo (apps/podinfo-sync.yaml) builds apps of GitRepository/podinfo (https://github.com/stefanprodan/podinfo), another repository; it was not built."]);
  });

  it("selects YAML files, kustomization files and the generator inputs next to them as build inputs", () => {
    expect(selectBuildInputs(["a/kustomization.yaml", "a/app.env", "a/x.yml", "b/Kustomization", "b/c.json", "docs/readme.md", "d/config.json", "README.md"])).toEqual([
      "a/kustomization.yaml",
      "a/app.env",
      "a/x.yml",
      "b/Kustomization",
      "b/c.json",
    ]);
  });

  it("path helpers", () => {
    expect(joinPath("apps/staging", "../base/./x")).toBe("apps/base/x");
    expect(joinPath("", "../x")).toBeUndefined();
    expect(clusterOfPath("clusters/prod/apps.yaml")).toBe("prod");
    expect(clusterOfPath("apps/prod/apps.yaml")).toBeNull();
    expect(["https://github.com/a/b//x?ref=v1", "github.com/a/b/x", "git@github.com:a/b", "../base"].map(isRemoteReference)).toEqual([true, true, true, false]);
  });
});
