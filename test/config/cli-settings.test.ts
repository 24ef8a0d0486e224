/** `--config FILE` of the offline commands: the repository config's controller settings. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { runCli } from "../../src/cli.js";
import { UsageError } from "../../src/cli/files.js";
import { loadControllerSettings } from "../../src/cli/settings.js";

describe("loadControllerSettings with --config", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "canary-bot-config-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("is Flagger's defaults without --config", async () => {
    expect(await loadControllerSettings({})).toEqual(DEFAULT_CONTROLLER_SETTINGS);
  });

  it("reads the controller section of the file, then --mesh-provider on top", async () => {
    const file = write("ok.yml", "controller:\n  meshProvider: linkerd\n  selectorLabels: [app.kubernetes.io/name]\n");
    expect(await loadControllerSettings({ config: file })).toEqual({ ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "linkerd", selectorLabels: ["app.kubernetes.io/name"] });
    expect((await loadControllerSettings({ config: file, "mesh-provider": "nginx" })).meshProvider).toBe("nginx");
  });

  it("is a usage error naming the file, the line and the key of each problem", async () => {
    const file = write("bad.yml", "controller:\n  meshProvider: istoi\n");
    const error = await loadControllerSettings({ config: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^--config ${file} is not a valid canary-bot config:\\n${file.replace(/[.]/g, "\\.")}:2:17: controller\\.meshProvider: not a provider Flagger knows`));
    await expect(loadControllerSettings({ config: join(dir, "missing.yml") })).rejects.toThrow(`--config ${join(dir, "missing.yml")}: no such file`);
  });

  it("changes what `canary-bot validate` reports: a Canary without spec.provider gets the configured mesh provider", async () => {
    // stepWeight with the kubernetes provider is coerced to blue/green (KUBERNETES_BLUE_GREEN_COERCED).
    const canary = write(
      "canary.yaml",
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: test\nspec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: podinfo\n  service:\n    port: 9898\n  analysis:\n    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 10\n",
    );
    const run = async (args: string[]) => {
      let stdout = "";
      await runCli(args, { stdout: (t) => (stdout += t), stderr: () => {} });
      return stdout;
    };
    const config = write("kubernetes.yml", "controller:\n  meshProvider: kubernetes\n");
    const withDefaults = await run(["validate", "--format", "json", canary]);
    const withConfig = await run(["validate", "--format", "json", "--config", config, canary]);
    expect(withDefaults).not.toContain("KUBERNETES_BLUE_GREEN_COERCED");
    expect(withConfig).toContain("KUBERNETES_BLUE_GREEN_COERCED");
    expect((await run(["validate", "--format", "json", "--mesh-provider", "kubernetes", canary]))).toEqual(withConfig);
  });
});
