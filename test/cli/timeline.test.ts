import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTimeline, TIMELINE_USAGE } from "../../src/cli/timeline.js";
import { runCliCaptured } from "../support/cli.js";

const PODINFO = join(import.meta.dirname, "../../fixtures/timeline/podinfo-canary.yaml");

const cli = runCliCaptured;

describe("canary-bot timeline (DESIGN.md CLI contract)", () => {
  it("prints the podinfo rollout as JSON with the documented fields", async () => {
    const { code, stdout, stderr } = await cli(["timeline", "--format", "json", PODINFO]);
    expect([code, stderr]).toEqual([0, ""]);
    const json = JSON.parse(stdout);
    const [canary] = json.canaries;
    expect(canary).toMatchObject({ name: "podinfo", namespace: "test", strategy: "canary", minSecondsToPromotion: 480, worstCaseSecondsToRollback: 540 });
    expect(canary.ticks.map((t: { tick: number; phase: string; canaryWeight: number }) => [t.tick, t.phase, t.canaryWeight])).toEqual([
      [0, "Progressing", 0],
      [1, "Progressing", 10],
      [2, "Progressing", 20],
      [3, "Progressing", 30],
      [4, "Progressing", 40],
      [5, "Progressing", 50],
      [6, "Promoting", 50],
      [7, "Finalising", 0],
      [8, "Succeeded", 0],
    ]);
    expect(Object.keys(canary.ticks[2])).toEqual(expect.arrayContaining(["tick", "seconds", "phase", "primaryWeight", "canaryWeight", "iteration", "hooks", "metrics"]));
    expect(canary.queries.map((q: { name: string; provider: string }) => [q.name, q.provider])).toEqual([
      ["request-success-rate", "istio"],
      ["request-duration", "istio"],
    ]);
  });

  it("runs the what-if of checks failing from a tick", async () => {
    const { stdout } = await cli(["timeline", "--format", "json", "--fail-from", "2", PODINFO]);
    const ticks = JSON.parse(stdout).canaries[0].ticks;
    expect(ticks.map((t: { phase: string }) => t.phase)).toEqual(["Progressing", "Progressing", "Progressing", "Progressing", "Progressing", "Failed"]);
  });

  it("prints Markdown with the picture and the queries", async () => {
    const { stdout } = await cli(["timeline", "--format", "markdown", PODINFO]);
    expect(stdout.startsWith("## test/podinfo: canary: 10% steps up to 50%, promotion in one step\n")).toBe(true);
    expect(stdout).toContain("```mermaid\ngantt\n");
    expect(stdout).toContain("### Metric queries");
    expect(stdout).toContain('destination_workload_namespace="test", destination_workload=~"podinfo"');
  });

  it("refuses bad options with exit code 2", async () => {
    expect((await cli(["timeline", "--format", "yaml", PODINFO])).code).toBe(2);
    expect((await cli(["timeline", "--fail-from", "-1", PODINFO])).code).toBe(2);
    expect((await cli(["timeline"])).code).toBe(2);
  });

  it("prints the usage with --help", async () => {
    const io = buffers();
    expect(await runTimeline(["--help"], io)).toBe(0);
    expect(io.out()).toBe(`${TIMELINE_USAGE}\n`);
  });
});

function buffers() {
  let stdout = "";
  let stderr = "";
  return { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), out: () => stdout, err: () => stderr };
}

describe("runTimeline over several files", () => {
  const dir = mkdtempSync(join(tmpdir(), "timeline-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const canary = readFileSync(PODINFO, "utf8").replace(
    "    webhooks:",
    "      - name: errors\n        templateRef: {name: error-rate, namespace: flagger}\n        interval: 2m\n        thresholdRange: {max: 1}\n    webhooks:",
  );
  writeFileSync(join(dir, "canary.yaml"), canary);
  writeFileSync(
    join(dir, "template.yaml"),
    "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: error-rate\n  namespace: flagger\nspec:\n  provider: {type: prometheus, address: http://prometheus:9090}\n  query: sum(rate(errors{namespace=\"{{ namespace }}\", app=\"{{ target }}\"}[{{ interval }}]))\n",
  );
  writeFileSync(join(dir, "broken.yaml"), "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: broken\nspec:\n  targetRef: {name: a\n  analysis: [\n");

  it("resolves a MetricTemplate from another file, simulates what parses, and names the broken file on stderr", async () => {
    const io = buffers();
    expect(await runTimeline(["--format", "json", dir], io)).toBe(0);
    const json = JSON.parse(io.out());
    expect(json.canaries.map((c: { name: string }) => c.name)).toEqual(["podinfo"]);
    expect(json.canaries[0].queries[2]).toEqual({
      name: "errors",
      source: "template",
      provider: "prometheus",
      interval: "2m",
      query: 'sum(rate(errors{namespace="test", app="podinfo"}[2m]))',
      thresholdRange: { max: 1 },
      notes: [],
    });
    expect(io.err()).toMatch(/broken\.yaml:\d+:\d+: YAML syntax error .*\(no timeline for it\)\n/);
    expect(io.err()).not.toMatch(/canary\.yaml|template\.yaml/);
  });

  it("prints the text table, one block per Canary", async () => {
    const io = buffers();
    expect(await runTimeline([join(dir, "canary.yaml")], io)).toBe(0);
    const lines = io.out().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "test/podinfo: canary: 10% steps up to 50%, promotion in one step (provider istio, interval 1m, threshold 3)",
      "tick  time  phase        primary/canary  iter  failed  hooks and checks",
      "0     0s    Progressing  100/0           0     0       -",
    ]);
    expect(io.out()).toContain("promotes in: 8m; worst-case rollback: 9m; first failure to rollback: 3m\n");
    // The queries follow, ready to paste; the template was not among the files given, which a note says.
    expect(io.out()).toContain(
      '\nmetric queries (Flagger v1.44 pkg/controller/scheduler_metrics.go):\n  request-success-rate (built-in, istio, window 1m, passes when >= 99): sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*"}[1m])) /',
    );
    expect(io.out().endsWith("  errors (MetricTemplate, unknown, window 2m, passes when <= 1)\n    note: MetricTemplate flagger/error-rate is not in the repository: its query cannot be shown.\n")).toBe(true);
    expect(io.err()).toBe("");
  });

  it("takes the controller's mesh provider into account for the built-in queries (§6.1)", async () => {
    const io = buffers();
    await runTimeline(["--format", "json", "--mesh-provider", "linkerd", PODINFO], io);
    expect(JSON.parse(io.out()).canaries[0].queries.map((q: { provider: string }) => q.provider)).toEqual(["linkerd", "linkerd"]);
  });

  it("says so when there is no Canary", async () => {
    const io = buffers();
    expect(await runTimeline(["--format", "json", join(dir, "template.yaml")], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ canaries: [] });
    expect(io.err()).toBe("no Flagger Canary found in the given files\n");
  });
});
