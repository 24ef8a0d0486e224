import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClustersConfigError, loadClustersFile, parseClustersConfig } from "../../src/cluster/clusters-config.js";

const TOKEN = "0123456789abcdef0123456789abcdef";

describe("parseClustersConfig", () => {
  it("reads clusters with a token or a token file, and an optional kubeconfig", () => {
    const parsed = parseClustersConfig(`clusters:\n  - name: staging\n    eventToken: ${TOKEN}\n  - name: production\n    eventTokenFile: prod-token\n    kubeconfig: prod.kubeconfig\n`);
    expect(parsed).toEqual({
      ok: true,
      clusters: [
        { name: "staging", eventToken: TOKEN },
        { name: "production", eventTokenFile: "prod-token", kubeconfig: "prod.kubeconfig" },
      ],
    });
  });

  it.each([
    ["no clusters", "clusters: []\n", ["1:11: clusters: list at least one cluster"]],
    ["neither token", "clusters:\n  - name: staging\n", ["2:5: clusters[0]: set exactly one of eventToken and eventTokenFile"]],
    ["both tokens", `clusters:\n  - name: staging\n    eventToken: ${TOKEN}\n    eventTokenFile: f\n`, ["2:5: clusters[0]: set exactly one of eventToken and eventTokenFile"]],
    ["a short token", "clusters:\n  - name: staging\n    eventToken: secret\n", ["3:17: clusters[0].eventToken: a token is 24 to 512 characters from A-Z a-z 0-9 . _ ~ - (it goes in a URL); generate one with `openssl rand -hex 32`"]],
    ["a bad name", `clusters:\n  - name: Staging\n    eventToken: ${TOKEN}\n`, ["2:11: clusters[0].name: cluster names are lowercase letters, digits and -, at most 63 characters"]],
    ["a duplicate", `clusters:\n  - name: a\n    eventToken: ${TOKEN}\n  - name: a\n    eventToken: ${TOKEN}\n`, ['4:11: clusters[1].name: cluster "a" is defined twice (first as clusters[0])']],
    ["a typo", `clusters:\n  - name: a\n    eventtoken: ${TOKEN}\n`, ["2:5: clusters[0]: set exactly one of eventToken and eventTokenFile", "3:5: clusters[0].eventtoken: unknown key (expected name, eventToken, eventTokenFile, kubeconfig)"]],
  ])("rejects %s with the line and the key", (_, text, errors) => {
    const parsed = parseClustersConfig(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && [...parsed.errors].sort()).toEqual([...errors].sort());
  });

  it("rejects YAML errors and an empty file", () => {
    const bad = parseClustersConfig("clusters: [\n");
    expect(!bad.ok && bad.errors[0]).toMatch(/^\d+:\d+: YAML error: /);
    expect(parseClustersConfig("").ok).toBe(false);
  });
});

describe("loadClustersFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "clusters-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads token files relative to the clusters file, trimming the newline a mounted Secret has", async () => {
    writeFileSync(join(dir, "prod-token"), `${TOKEN}\n`);
    writeFileSync(join(dir, "clusters.yaml"), `clusters:\n  - name: production\n    eventTokenFile: prod-token\n    kubeconfig: prod.kubeconfig\n`);
    expect(await loadClustersFile(join(dir, "clusters.yaml"))).toEqual([{ name: "production", eventToken: TOKEN, kubeconfig: join(dir, "prod.kubeconfig") }]);
  });

  it("names the file and every problem", async () => {
    writeFileSync(join(dir, "clusters.yaml"), `clusters:\n  - name: production\n    eventTokenFile: missing\n`);
    const error = await loadClustersFile(join(dir, "clusters.yaml")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClustersConfigError);
    expect((error as ClustersConfigError).errors).toEqual([expect.stringMatching(/clusters\.yaml: clusters\[0\]\.eventTokenFile: cannot read .*missing: ENOENT/)]);
    writeFileSync(join(dir, "bad-token"), "short\n");
    writeFileSync(join(dir, "clusters.yaml"), `clusters:\n  - name: production\n    eventTokenFile: bad-token\n`);
    await expect(loadClustersFile(join(dir, "clusters.yaml"))).rejects.toThrow(/the token in .*bad-token is not valid/);
    await expect(loadClustersFile(join(dir, "nope.yaml"))).rejects.toThrow(/nope\.yaml: cannot read the file/);
  });
});
