import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";

const PODINFO = join(import.meta.dirname, "../../fixtures/gitops-podinfo/commits/2-gateway-affinity/apps");

const cli = runCliCaptured;

describe("canary-bot generate (DESIGN.md CLI contract)", () => {
  it("prints one YAML stream of what Flagger creates for the podinfo fixture", async () => {
    const { code, stdout, stderr } = await cli(["generate", PODINFO]);
    expect([code, stderr]).toEqual([0, ""]);
    const kinds = parseAllDocuments(stdout).map((d) => `${d.get("kind")}/${(d.get("metadata") as { get(k: string): unknown }).get("name")}`);
    expect(kinds).toEqual([
      "Service/podinfo",
      "Service/podinfo-primary",
      "Service/podinfo-canary",
      "Deployment/podinfo-primary",
      "HorizontalPodAutoscaler/podinfo-primary",
      "DestinationRule/podinfo-canary",
      "DestinationRule/podinfo-primary",
      "VirtualService/podinfo",
    ]);
  });

  it("answers JSON with weights applied", async () => {
    const { stdout } = await cli(["generate", "--format", "json", "--weights", "60,40", PODINFO]);
    const [canary] = JSON.parse(stdout).canaries;
    expect([canary.name, canary.namespace, canary.provider]).toEqual(["podinfo", "test", "istio"]);
    const vs = canary.resources.find((r: { kind: string }) => r.kind === "VirtualService");
    expect(vs.spec.http.at(-1).route.map((r: { weight: number }) => r.weight)).toEqual([60, 40]);
    expect(canary.notes.length).toBeGreaterThan(0);
  });

  it("refuses weights that do not sum to 100 and --mirror without weights", async () => {
    for (const args of [["--weights", "50,60"], ["--weights", "x"], ["--mirror"], ["--format", "toml"]]) {
      const { code, stderr } = await cli(["generate", ...args, PODINFO]);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).not.toBe("");
    }
  });
});
