/**
 * Issue 9, item 5: `canary-bot validate` on Flagger's own repository exits 0 with no error. The
 * fixture holds one trimmed file per class of file that used to fail (fixtures/flagger-repo/README.md
 * names the source commit).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";

const FIXTURE = join(import.meta.dirname, "../../fixtures/flagger-repo");

describe("canary-bot validate on Flagger's own repository (trimmed)", () => {
  it("exits 0: the CRD file, .goreleaser.yml and Helm values give no finding; chart templates are skipped and counted", async () => {
    const { code, stdout } = await runCliCaptured(["validate", "--format", "json", FIXTURE]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { skipped: unknown; files: Array<{ path: string; canaries: unknown[]; findings: Array<{ code: string; severity: string }> }> };
    const findings = json.files.flatMap((f) => f.findings.map((x) => `${f.path.slice(FIXTURE.length + 1)} ${x.severity} ${x.code}`));
    expect(findings).toEqual(["charts/podinfo/templates/canary.yaml notice HELM_TEMPLATE"]);
    expect(json.skipped).toEqual({ helmTemplates: 2, excluded: 0 });
  });

  it("reads the CRDs that strict YAML refuses, as the cluster does", async () => {
    const { parseManifestFile } = await import("../../src/canary/parse.js");
    const { readFileSync } = await import("node:fs");
    const file = parseManifestFile({ path: "crd.yaml", content: readFileSync(join(FIXTURE, "artifacts/flagger/crd.yaml")) });
    expect(file.findings).toEqual([]);
    expect(file.documents.map((d) => `${d.kindName}/${d.name}`)).toEqual(["CustomResourceDefinition/canaries.flagger.app"]);
    const description = (file.documents[0]!.value as any).spec.versions[0].schema.openAPIV3Schema.properties.apiVersion.description as string;
    expect(description).toMatch(/^APIVersion defines the versioned schema of this representation of an object\. Servers should/);
  });
});
