import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
});
