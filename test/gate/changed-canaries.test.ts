/** The gate's view of a review: environment by path, images of the target, new revision or not. */
import { describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { buildChangedCanaries } from "../../src/gate/changed-canaries.js";
import { readCommit } from "../github/helpers.js";

const app = readCommit("1-initial");
const IMAGE = "ghcr.io/stefanprodan/podinfo:6.7.0";
const at = (prefix: string, files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([p, t]) => [p.replace(/^apps\//, prefix), t]));
const environments = [
  { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
  { name: "production", paths: ["clusters/production/**"], cluster: "production", promotedIn: "staging" },
];

function changed(base: Record<string, string>, head: Record<string, string>) {
  const parse = (files: Record<string, string>) => Object.entries(files).map(([path, content]) => parseManifestFile({ path, content }));
  const changedPaths = [...new Set([...Object.keys(base), ...Object.keys(head)])].filter((p) => base[p] !== head[p]);
  return buildChangedCanaries({ input: { base: parse(base), head: parse(head), changedPaths, settings: DEFAULT_CONTROLLER_SETTINGS }, environments });
}

describe("buildChangedCanaries", () => {
  it("gives a changed image a new revision in the environment whose paths hold the Canary, the same Canary elsewhere apart", () => {
    const base = { ...at("clusters/staging/", app), ...at("clusters/production/", app) };
    const bump = (files: Record<string, string>, env: string) => ({ ...files, [`clusters/${env}/podinfo/deployment.yaml`]: files[`clusters/${env}/podinfo/deployment.yaml`]!.replace(IMAGE, "ghcr.io/stefanprodan/podinfo:6.8.0") });
    const identity = { namespace: "test", name: "podinfo", change: "changed", newRevision: true, images: ["ghcr.io/stefanprodan/podinfo:6.8.0"] };
    expect(changed(base, bump(base, "production"))).toEqual([{ environment: "production", ...identity }]);
    expect(changed(base, bump(base, "staging"))).toEqual([{ environment: "staging", ...identity }]);
    expect(changed(base, bump(bump(base, "staging"), "production"))).toEqual([{ environment: "staging", ...identity }, { environment: "production", ...identity }]);
  });

  it("starts no analysis for a Canary-only change or a new Canary, and leaves a path outside every environment without one", () => {
    const base = at("clusters/staging/", app);
    const head = { ...base, "clusters/staging/podinfo/canary.yaml": base["clusters/staging/podinfo/canary.yaml"]!.replace("stepWeight: 10", "stepWeight: 5") };
    expect(changed(base, head)).toMatchObject([{ environment: "staging", change: "changed", newRevision: false, images: [IMAGE] }]);
    expect(changed({}, at("elsewhere/", app))).toMatchObject([{ environment: null, change: "added", newRevision: false }]);
  });
});
