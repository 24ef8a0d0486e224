import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";

const cli = runCliCaptured;

const CANARY = (extra = "") => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: istio
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
        interval: 1m
${extra}`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: test
spec:
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
        - name: podinfod
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports: [{name: http, containerPort: 9898}]
`;

describe("canary-bot validate", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "validate-cli-"));
    mkdirSync(join(dir, "clean"));
    writeFileSync(join(dir, "clean", "canary.yaml"), CANARY());
    writeFileSync(join(dir, "clean", "deployment.yml"), DEPLOYMENT);
    writeFileSync(join(dir, "clean", "README.md"), "not a manifest: {{ .Values }}");
    mkdirSync(join(dir, "clean", "node_modules"));
    writeFileSync(join(dir, "clean", "node_modules", "broken.yaml"), "a: [");
    mkdirSync(join(dir, "broken"));
    writeFileSync(join(dir, "broken", "canary.yaml"), CANARY("    webhooks:\n      - name: load\n        url: http://loadtester/\n        timeout: 5mins\n"));
    mkdirSync(join(dir, "warned"));
    writeFileSync(join(dir, "warned", "canary.yaml"), CANARY().replace("interval: 1m\n    threshold", "interval: 5s\n    threshold"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 0 for a clean folder, reading .yaml and .yml and skipping node_modules and other files", async () => {
    const { code, stdout, stderr } = await cli(["validate", join(dir, "clean")]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "2 files, 1 Canary: 0 errors, 0 warnings, 0 notices\n", stderr: "" });
  });

  it("exits 1 with an error, one compiler-style line per finding", async () => {
    const file = join(dir, "broken", "canary.yaml");
    const { code, stdout } = await cli(["validate", file]);
    expect(code).toBe(1);
    // In file order, like a compiler.
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]!.startsWith(`${file}:11:11: notice TARGET_NOT_FOUND The target Deployment podinfo in namespace test`)).toBe(true);
    expect(lines[1]!.startsWith(`${file}:26:18: error WEBHOOK_TIMEOUT_UNPARSABLE Webhook "load" (rollout) has timeout "5mins"`)).toBe(true);
    expect(lines[2]).toBe("1 file, 1 Canary: 1 error, 0 warnings, 1 notice");
  });

  it("exits 0 with warnings only", async () => {
    const { code, stdout } = await cli(["validate", join(dir, "warned"), join(dir, "clean", "deployment.yml")]);
    expect(code).toBe(0);
    expect(stdout).toContain("warning ANALYSIS_INTERVAL_BELOW_MINIMUM");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("2 files, 1 Canary: 0 errors, 1 warning, 0 notices");
  });

  it("prints the documented JSON shape", async () => {
    const file = join(dir, "broken", "canary.yaml");
    const { code, stdout } = await cli(["validate", "--format", "json", file]);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json).toEqual({
      skipped: { helmTemplates: 0, excluded: 0 },
      files: [
        {
          path: file,
          canaries: [
            {
              name: "podinfo",
              namespace: "test",
              findings: [
                { code: "WEBHOOK_TIMEOUT_UNPARSABLE", severity: "error", message: expect.stringContaining("Go's time.ParseDuration rejects it"), path: "spec.analysis.webhooks[0].timeout", line: 26, column: 18 },
                { code: "TARGET_NOT_FOUND", severity: "notice", message: expect.any(String), path: "spec.targetRef.name", line: 11, column: 11 },
              ],
            },
          ],
          findings: [],
        },
      ],
    });
  });

  it("reports file-level findings beside the Canaries in JSON, and counts skipped templates", async () => {
    const helm = join(dir, "helm.yaml");
    writeFileSync(helm, CANARY().replace("name: podinfo\n  namespace", "name: {{ .Values.name }}\n  namespace"));
    const { code, stdout } = await cli(["validate", "--format=json", helm]);
    const json = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(json.skipped).toEqual({ helmTemplates: 1, excluded: 0 });
    expect(json.files[0]).toEqual({ path: helm, canaries: [], findings: [expect.objectContaining({ code: "HELM_TEMPLATE", severity: "notice", line: 4, column: 9 })] });
  });

  it("resolves references across the files and folders given", async () => {
    const apart = await cli(["validate", join(dir, "broken")]);
    const together = await cli(["validate", join(dir, "broken"), join(dir, "clean", "deployment.yml")]);
    expect(apart.stdout).toContain("TARGET_NOT_FOUND");
    expect(together.stdout).not.toContain("TARGET_NOT_FOUND");
  });

  it("takes the controller's mesh provider from --mesh-provider", async () => {
    const file = join(dir, "noprovider.yaml");
    writeFileSync(file, CANARY().replace("  provider: istio\n", ""));
    expect((await cli(["validate", file])).stdout).not.toContain("INGRESS_REF_MISSING");
    const nginx = await cli(["validate", "--mesh-provider", "nginx", file]);
    expect(nginx.code).toBe(1);
    expect(nginx.stdout).toContain("error INGRESS_REF_MISSING");
  });

  it("takes the controller settings from --config (the repository's .github/canary-bot.yml)", async () => {
    const deployment = join(dir, "component-deployment.yaml");
    writeFileSync(deployment, DEPLOYMENT.replace(/\{app: podinfo\}/g, "{component: podinfo}"));
    const config = join(dir, "canary-bot.yml");
    writeFileSync(config, "controller:\n  selectorLabels: [component]\n");
    const canary = join(dir, "clean", "canary.yaml");
    const defaults = await cli(["validate", canary, deployment]);
    expect(defaults.code).toBe(1);
    expect(defaults.stdout).toContain("error SELECTOR_LABEL_MISSING");
    const configured = await cli(["validate", "--config", config, canary, deployment]);
    expect({ code: configured.code, stdout: configured.stdout }).toEqual({ code: 0, stdout: "2 files, 1 Canary: 0 errors, 0 warnings, 0 notices\n" });
  });

  it.each([
    [["validate"], "needs at least one file or folder"],
    [["validate", "--format", "xml", "x.yaml"], "--format must be text or json"],
    [["validate", "/no/such/path.yaml"], "no such file or folder"],
    [["validate", "--colour", "x.yaml"], "Unknown option"],
  ])("exits 2 on a usage error: %j", async (args, message) => {
    const { code, stdout, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
  });

  it("prints its usage with --help", async () => {
    const { code, stdout } = await cli(["validate", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: canary-bot validate");
  });

  it("skips the templates of a Helm chart, even without template actions, and counts them", async () => {
    const chart = join(dir, "chart");
    mkdirSync(join(chart, "templates", "tests"), { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: app\nversion: 1.0.0\n");
    writeFileSync(join(chart, "values.yaml"), "image: {repository: nginx}\nname: '{{ .Release.Name }}'\n");
    writeFileSync(join(chart, "templates", "canary.yaml"), CANARY());
    writeFileSync(join(chart, "templates", "tests", "service.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n");
    const { code, stdout } = await cli(["validate", chart]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toContain("canary.yaml:1:1: notice HELM_TEMPLATE");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("4 files (2 Helm templates skipped), 0 Canaries: 0 errors, 0 warnings, 1 notice");
  });
});

describe("canary-bot validate with a repository config (what the App reads)", () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "validate-repo-"));
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
    mkdirSync(join(repo, "apps"));
    mkdirSync(join(repo, "vendor"));
    writeFileSync(join(repo, ".github", "workflows", "ci.yaml"), "kind: Broken\nname: ci\n\ton: push\n");
    writeFileSync(join(repo, "apps", "canary.yaml"), CANARY());
    writeFileSync(join(repo, "apps", "deployment.yaml"), DEPLOYMENT);
    writeFileSync(join(repo, "vendor", "broken.yaml"), CANARY("    webhooks:\n      - name: load\n        url: http://loadtester/\n        timeout: 5mins\n"));
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("inside a git repository without a config, skips what the App's default globs skip (.github/**)", async () => {
    const { code, stdout } = await cli(["validate", join(repo, ".github"), join(repo, "apps")]);
    expect({ code, last: stdout.trimEnd().split("\n").at(-1) }).toEqual({ code: 0, last: "2 files (1 excluded by the config), 1 Canary: 0 errors, 0 warnings, 0 notices" });
  });

  it("reads the repository's .github/canary-bot.yml by default: its exclude globs and controller settings", async () => {
    writeFileSync(join(repo, ".github", "canary-bot.yml"), 'manifests:\n  exclude: [".github/**", "vendor/**"]\ncontroller:\n  selectorLabels: [component]\n');
    try {
      const { code, stdout } = await cli(["validate", repo]);
      expect(stdout).not.toContain("vendor");
      // The config's selector labels apply: the Deployment selects on app, not component.
      expect(stdout).toContain("error SELECTOR_LABEL_MISSING");
      expect(code).toBe(1);
      expect(stdout.trimEnd().split("\n").at(-1)).toMatch(/^2 files \(3 excluded by the config\), 1 Canary: 1 error/);
    } finally {
      rmSync(join(repo, ".github", "canary-bot.yml"));
    }
  });

  it("takes --config FILE instead, with its globs relative to the repository", async () => {
    const config = join(repo, "other.yml");
    writeFileSync(config, 'manifests:\n  include: ["vendor/**"]\n');
    const { code, stdout } = await cli(["validate", "--config", config, repo]);
    expect(code).toBe(1);
    expect(stdout).toContain("vendor/broken.yaml");
    expect(stdout).not.toContain("apps/canary.yaml");
  });
});

