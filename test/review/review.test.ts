import { describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { buildReviewModel, hasErrors } from "../../src/review/review.js";

const canary = (name: string, extra = "") => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: ${name}
  namespace: apps
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  service:
    port: 80
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
${extra}`;

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: apps
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: ${image}
          ports:
            - containerPort: 80
`;

const file = (path: string, text: string) => parseManifestFile({ path, content: text });

function review(base: Record<string, string>, head: Record<string, string>, changedPaths: string[]) {
  return buildReviewModel({
    base: Object.entries(base).map(([p, t]) => file(p, t)),
    head: Object.entries(head).map(([p, t]) => file(p, t)),
    changedPaths,
    settings: DEFAULT_CONTROLLER_SETTINGS,
  });
}

describe("buildReviewModel", () => {
  const repo = {
    "a/canary.yaml": canary("a"),
    "a/deploy.yaml": deployment("a", "app:1"),
    "b/canary.yaml": canary("b"),
    "b/deploy.yaml": deployment("b", "app:1"),
  };

  it("touches no Canary when only unrelated files change", () => {
    const model = review({ ...repo, "x.yaml": "kind: ConfigMap\n" }, { ...repo, "x.yaml": "kind: ConfigMap\ndata: {}\n" }, ["x.yaml"]);
    expect(model.canaries).toEqual([]);
  });

  it("reviews a Canary whose own document changed, and not its unchanged neighbour", () => {
    const model = review(repo, { ...repo, "a/canary.yaml": canary("a").replace("maxWeight: 50", "maxWeight: 60") }, ["a/canary.yaml"]);
    expect(model.canaries.map((c) => [c.key, c.status, c.policy.map((p) => p.field)])).toEqual([["apps/a", "modified", ["analysis.maxWeight"]]]);
  });

  it("reviews a Canary whose Deployment changed: that is a new revision", () => {
    const model = review(repo, { ...repo, "b/deploy.yaml": deployment("b", "app:2") }, ["b/deploy.yaml"]);
    expect(model.canaries.map((c) => [c.key, c.status, c.affectedBy])).toEqual([["apps/b", "affected", ["Deployment b (b/deploy.yaml)"]]]);
  });

  it("skips a Canary in a changed file when its object is unchanged", () => {
    const both = { "ab.yaml": `${canary("a")}---\n${canary("b")}` };
    const model = review(both, { "ab.yaml": `${canary("a")}---\n${canary("b").replace("threshold: 5", "threshold: 6")}` }, ["ab.yaml"]);
    expect(model.canaries.map((c) => c.key)).toEqual(["apps/b"]);
  });

  it("reports added and removed Canaries", () => {
    const model = review({ "old.yaml": canary("old") }, { "new.yaml": canary("new") }, ["old.yaml", "new.yaml"]);
    expect(model.canaries.map((c) => [c.key, c.status, c.head !== undefined, c.base !== undefined])).toEqual([
      ["apps/new", "added", true, false],
      ["apps/old", "removed", false, true],
    ]);
  });

  it("calls a Canary whose file no longer parses unreadable, not removed", () => {
    const model = review({ "c.yaml": canary("c") }, { "c.yaml": `${canary("c")}  bad: [\n` }, ["c.yaml"]);
    expect(model.canaries.map((c) => [c.key, c.status])).toEqual([["apps/c", "unreadable"]]);
    expect(model.files.map((f) => f.findings.map((x) => x.code))).toEqual([["YAML_SYNTAX"]]);
    expect(hasErrors(model)).toBe(true);
  });

  it("carries the head findings and fails on errors; file-level problems of changed files count too", () => {
    const broken = review({}, { "c.yaml": canary("c", "    stepWeights: [10, 20]\n") }, ["c.yaml"]);
    expect(broken.canaries[0]?.head?.findings.map((f) => f.code)).toContain("ANALYSIS_STRATEGY_CONFLICT");
    expect(hasErrors(broken)).toBe(true);
    // A manifest (apiVersion or kind): YAML that is not one is not judged (issue 9).
    const syntax = review({}, { "bad.yaml": "kind: ConfigMap\na: [1,\n" }, ["bad.yaml"]);
    expect(syntax.canaries).toEqual([]);
    expect(syntax.files.map((f) => [f.path, f.findings.map((x) => x.code)])).toEqual([["bad.yaml", ["YAML_SYNTAX"]]]);
    expect(hasErrors(syntax)).toBe(true);
  });
});
