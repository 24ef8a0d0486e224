import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

  it("refuses weights that do not sum to 100, are out of 0–100 or not integers, --mirror without weights, and no path", async () => {
    for (const args of [["--weights", "50,60"], ["--weights", "x"], ["--weights", "101,-1"], ["--weights", "50.5,49.5"], ["--weights", "50,50,0"], ["--weights", "100"], ["--mirror"], ["--format", "toml"]]) {
      const { code, stderr } = await cli(["generate", ...args, PODINFO]);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).not.toBe("");
    }
    expect((await cli(["generate", "--weights", "90,10"])).code).toBe(2);
  });

  it("accepts the edge weights 0,100 and 100,0 with --mirror", async () => {
    for (const weights of ["0,100", "100,0"]) {
      const { code, stderr } = await cli(["generate", "--weights", weights, "--mirror", PODINFO]);
      expect({ weights, code, stderr }).toEqual({ weights, code: 0, stderr: "" });
    }
  });

  it("YAML: a comment line per Canary with its notes, then its objects; JSON: the whole DESIGN.md shape", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canary-bot-generate-"));
    const canary = (name: string) => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: ${name}, namespace: web}
spec:
  provider: kubernetes
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}
  service: {port: 80}
`;
    writeFileSync(join(dir, "a.yaml"), `${canary("a")}---\n${canary("b")}`);
    const yaml = await cli(["generate", dir]);
    expect(yaml.code).toBe(0);
    const lines = yaml.stdout.split("\n");
    expect(lines.filter((l) => l.startsWith("# "))).toEqual([
      "# Canary web/a (provider kubernetes)",
      "# note: The target a is not in the repository: the selector label is assumed to be app: a, and discovered ports and the primary workload are not shown.",
      "# Canary web/b (provider kubernetes)",
      "# note: The target b is not in the repository: the selector label is assumed to be app: b, and discovered ports and the primary workload are not shown.",
    ]);
    expect(parseAllDocuments(yaml.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual(["a", "a-primary", "a-canary", "b", "b-primary", "b-canary"]);

    const json = await cli(["generate", "--format", "json", join(dir, "a.yaml")]);
    const service = (name: string, selector: string) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name,
        namespace: "web",
        labels: { app: name },
        annotations: { "kustomize.toolkit.fluxcd.io/reconcile": "disabled", "helm.toolkit.fluxcd.io/driftDetection": "disabled" },
        ownerReferences: [{ apiVersion: "flagger.app/v1beta1", kind: "Canary", name: name.split("-")[0], uid: "<uid of the Canary>", controller: true, blockOwnerDeletion: true }],
      },
      spec: { type: "ClusterIP", selector: { app: selector }, ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 80 }] },
    });
    expect(JSON.parse(json.stdout)).toEqual({
      canaries: ["a", "b"].map((name) => ({
        name,
        namespace: "web",
        provider: "kubernetes",
        resources: [service(name, `${name}-primary`), service(`${name}-primary`, `${name}-primary`), service(`${name}-canary`, name)],
        notes: [`The target ${name} is not in the repository: the selector label is assumed to be app: ${name}, and discovered ports and the primary workload are not shown.`],
      })),
    });
  });

  it("--mesh-provider decides the routing objects of Canaries without spec.provider (flagger-routing.md §0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canary-bot-generate-"));
    writeFileSync(join(dir, "c.yaml"), "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: c, namespace: web}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: c}\n  service: {port: 80}\n");
    const { code, stdout } = await cli(["generate", "--format", "json", "--mesh-provider", "linkerd", dir]);
    const [generated] = JSON.parse(stdout).canaries;
    expect([code, generated.provider, generated.resources.map((r: { kind: string }) => r.kind)]).toEqual([0, "linkerd", ["Service", "Service", "Service", "TrafficSplit"]]);
  });

  it("says so on stderr when the files hold no Canary, and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canary-bot-generate-"));
    writeFileSync(join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    expect(await cli(["generate", dir])).toEqual({ code: 0, stdout: "", stderr: "no Flagger Canary found in the given files\n" });
  });
});
