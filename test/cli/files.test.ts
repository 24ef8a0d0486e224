import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findManifestPaths, isChartTemplate, readManifestFiles, UsageError } from "../../src/cli/files.js";

describe("reading manifests from disk", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "files-"));
    for (let i = 0; i < 5; i += 1) {
      mkdirSync(join(dir, `app-${i}`));
      writeFileSync(join(dir, `app-${i}`, "cm.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`);
    }
    mkdirSync(join(dir, "chart", "templates", "tests"), { recursive: true });
    writeFileSync(join(dir, "chart", "Chart.yaml"), "apiVersion: v2\nname: x\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("walks folders in name order", async () => {
    const paths = await findManifestPaths([dir]);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(["app-0/cm.yaml", "app-1/cm.yaml", "app-2/cm.yaml", "app-3/cm.yaml", "app-4/cm.yaml", "chart/Chart.yaml"]);
  });

  it("a walk over the file limit is a usage error that names the limit", async () => {
    await expect(findManifestPaths([dir], { filesPerWalk: 3 })).rejects.toThrow(/more than 3 manifest files .*INPUT_LIMITS\.filesPerWalk/);
    await expect(findManifestPaths([dir], { filesPerWalk: 3 })).rejects.toBeInstanceOf(UsageError);
  });

  it("more bytes than a run reads is a usage error before anything is parsed", async () => {
    const paths = await findManifestPaths([dir]);
    await expect(readManifestFiles(paths, { bytesPerRun: 100 })).rejects.toThrow(/more than the 100 one run reads \(INPUT_LIMITS\.bytesPerRun/);
    expect(await readManifestFiles(paths)).toHaveLength(6);
  });

  it("knows a chart's templates, nested or not, and nothing else", () => {
    expect(isChartTemplate(join(dir, "chart", "templates", "a.yaml"))).toBe(true);
    expect(isChartTemplate(join(dir, "chart", "templates", "tests", "b.yaml"))).toBe(true);
    expect(isChartTemplate(join(dir, "chart", "values.yaml"))).toBe(false);
    expect(isChartTemplate(join(dir, "app-0", "templates", "c.yaml"))).toBe(false);
  });
});
