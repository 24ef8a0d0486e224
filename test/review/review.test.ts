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
    expect(model.canaries.map((c) => [c.key, c.status, c.change, c.newRevision, c.affectedBy, c.images])).toEqual([
      ["apps/b", "affected", "unchanged", true, ["Deployment b: its pod template changed (images app:1 → app:2) (b/deploy.yaml)"], { base: ["app:1"], head: ["app:2"] }],
    ]);
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

describe("what rolls out: Flagger's trigger (HasTargetChanged, HaveDependenciesChanged)", () => {
  const withConfig = (name: string, image: string) =>
    deployment(name, image).replace("          ports:", "          envFrom:\n            - configMapRef: {name: settings}\n            - secretRef: {name: creds}\n          ports:");
  const configMap = (value: string, annotations = "") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\n${annotations}data:\n  level: ${value}\n`;
  const secret = (value: string, type = "Opaque") => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: apps\ntype: ${type}\nstringData:\n  token: ${value}\n`;
  const hpa = (max: number) => `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: a\n  namespace: apps\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: a}\n  minReplicas: 2\n  maxReplicas: ${max}\n`;
  const repo = { "canary.yaml": canary("a", "  autoscalerRef: {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: a}\n").replace("  analysis:", "  analysis:"), "deploy.yaml": withConfig("a", "app:1"), "hpa.yaml": hpa(4), "config.yaml": configMap("info"), "secret.yaml": secret("x") };
  const only = (head: Record<string, string>, changed: string[], settings = DEFAULT_CONTROLLER_SETTINGS) =>
    buildReviewModel({ base: Object.entries(repo).map(([p, t]) => file(p, t)), head: Object.entries({ ...repo, ...head }).map(([p, t]) => file(p, t)), changedPaths: changed, settings }).canaries;

  it("a Deployment change outside the pod template (replicas, progressDeadlineSeconds) is no new revision", () => {
    const [change, ...rest] = only({ "deploy.yaml": withConfig("a", "app:1").replace("spec:\n  selector:", "spec:\n  progressDeadlineSeconds: 900\n  replicas: 3\n  selector:") }, ["deploy.yaml"]);
    expect(rest).toEqual([]);
    expect([change?.status, change?.change, change?.newRevision, change?.affectedBy]).toEqual(["affected", "unchanged", false, []]);
    expect(change?.reasons).toEqual(["Deployment a changed outside its pod template (deploy.yaml)"]);
  });

  it("an HPA-only change changes the next analysis, not the revision", () => {
    const [change] = only({ "hpa.yaml": hpa(8) }, ["hpa.yaml"]);
    expect([change?.newRevision, change?.reasons]).toEqual([false, ["HorizontalPodAutoscaler a changed (hpa.yaml)"]]);
  });

  it("a Canary-only change is `changed` without a new revision", () => {
    const [change] = only({ "canary.yaml": repo["canary.yaml"].replace("threshold: 5", "threshold: 3") }, ["canary.yaml"]);
    expect([change?.change, change?.newRevision, change?.images]).toEqual(["changed", false, { base: ["app:1"], head: ["app:1"] }]);
  });

  it("a tracked ConfigMap or Secret data change is a new revision; with config tracking off, or tracking disabled on the object, it is not", () => {
    expect(only({ "config.yaml": configMap("debug") }, ["config.yaml"])[0]?.affectedBy).toEqual(["ConfigMap settings, which the pod template uses, changed (config.yaml)"]);
    expect(only({ "secret.yaml": secret("y") }, ["secret.yaml"])[0]?.newRevision).toBe(true);
    expect(only({ "config.yaml": configMap("debug") }, ["config.yaml"], { ...DEFAULT_CONTROLLER_SETTINGS, enableConfigTracking: false })).toEqual([]);
    const disabled = { "config.yaml": configMap("info", "  annotations: {flagger.app/config-tracking: disabled}\n") };
    const base = Object.entries({ ...repo, ...disabled }).map(([p, t]) => file(p, t));
    const head = Object.entries({ ...repo, "config.yaml": configMap("debug", "  annotations: {flagger.app/config-tracking: disabled}\n") }).map(([p, t]) => file(p, t));
    expect(buildReviewModel({ base, head, changedPaths: ["config.yaml"], settings: DEFAULT_CONTROLLER_SETTINGS }).canaries).toEqual([]);
  });

  it("a Secret type Flagger does not track (a registry secret) starts nothing", () => {
    const base = Object.entries({ ...repo, "secret.yaml": secret("x", "kubernetes.io/dockerconfigjson") }).map(([p, t]) => file(p, t));
    const head = Object.entries({ ...repo, "secret.yaml": secret("y", "kubernetes.io/dockerconfigjson") }).map(([p, t]) => file(p, t));
    expect(buildReviewModel({ base, head, changedPaths: ["secret.yaml"], settings: DEFAULT_CONTROLLER_SETTINGS }).canaries).toEqual([]);
  });

  it("an image change is a new revision with both images, and a new Canary is initialized, not analysed", () => {
    const [bump] = only({ "deploy.yaml": withConfig("a", "app:2") }, ["deploy.yaml"]);
    expect([bump?.newRevision, bump?.images]).toEqual([true, { base: ["app:1"], head: ["app:2"] }]);
    const added = buildReviewModel({ base: [], head: Object.entries(repo).map(([p, t]) => file(p, t)), changedPaths: Object.keys(repo), settings: DEFAULT_CONTROLLER_SETTINGS }).canaries;
    expect(added.map((c) => [c.change, c.newRevision, c.images.head])).toEqual([["added", false, ["app:1"]]]);
  });

  it("a Canary that moves to another file is changed (or untouched), never removed and added", () => {
    const moved = buildReviewModel({
      base: Object.entries(repo).map(([p, t]) => file(p, t)),
      head: Object.entries({ ...repo, "canary.yaml": "", "apps/canary.yaml": repo["canary.yaml"].replace("threshold: 5", "threshold: 4") }).map(([p, t]) => file(p, t)),
      changedPaths: ["canary.yaml", "apps/canary.yaml"],
      settings: DEFAULT_CONTROLLER_SETTINGS,
    }).canaries;
    expect(moved.map((c) => [c.change, c.file])).toEqual([["changed", "apps/canary.yaml"]]);
  });
});

describe("identity: (environment or cluster, namespace, name)", () => {
  const scope = (id: string, files: Record<string, string>, root = "") => ({
    id,
    environment: id === "" ? null : id,
    cluster: id === "" ? null : `${id}-cluster`,
    files: Object.entries(files).map(([p, t]) => file(p, t)),
    rootOf: new Map(),
  });
  const scoped = (id: string, files: Record<string, string>) => {
    const s = scope(id, files);
    for (const f of s.files) for (const d of f.documents) s.rootOf.set(d, { id: `root-${f.path}`, folder: "" });
    return s;
  };

  it("two environments' Canaries with one name are two entries, each with its own images", () => {
    const base = [scoped("production", { "c.yaml": canary("a"), "d.yaml": deployment("a", "app:1") }), scoped("staging", { "c.yaml": canary("a"), "d.yaml": deployment("a", "app:1") })];
    const head = [scoped("production", { "c.yaml": canary("a"), "d.yaml": deployment("a", "app:1") }), scoped("staging", { "c.yaml": canary("a"), "d.yaml": deployment("a", "app:2") })];
    const model = buildReviewModel({ base: [], head: [], changedPaths: [], settings: DEFAULT_CONTROLLER_SETTINGS, scopes: { base, head } });
    expect(model.canaries.map((c) => [c.key, c.environment, c.cluster, c.newRevision, c.images.head])).toEqual([["staging: apps/a", "staging", "staging-cluster", true, ["app:2"]]]);
  });

  it("two documents with one identity in one environment are an error", () => {
    const head = [scoped("production", { "one.yaml": canary("a"), "two.yaml": canary("a") })];
    const model = buildReviewModel({ base: [], head: [], changedPaths: [], settings: DEFAULT_CONTROLLER_SETTINGS, scopes: { base: [], head } });
    expect(model.canaries.map((c) => [c.file, c.head?.findings.filter((f) => f.code === "CANARY_DEFINED_TWICE").length])).toEqual([
      ["one.yaml", 0],
      ["two.yaml", 1],
    ]);
    expect(hasErrors(model)).toBe(true);
  });
});
