/**
 * Issue 14: a command loads only what it needs. These tests walk the static import graph of the
 * sources (type-only imports are erased by TypeScript, dynamic `import()` runs only when called),
 * so they say what Node would load before the command's first line runs.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const STATIC_IMPORT = /^(?:import|export)\s+(?!type\b)(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm;

/** Every module reached through static imports from `entry`: project files relative to the root, packages by name. */
function listStaticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const key = relative(ROOT, file);
    if (seen.has(key)) continue;
    seen.add(key);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(STATIC_IMPORT)) {
      const specifier = match[1]!;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else seen.add(specifier.startsWith("node:") ? specifier : specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"));
    }
  }
  return seen;
}

describe("what each command loads", () => {
  it("the entry point loads no command", () => {
    // src/limits.ts is constants only (the CLI process sets V8's heap growth from it).
    expect([...listStaticImports("src/cli.ts")].sort()).toEqual(["node:fs", "node:url", "node:v8", "src/cli.ts", "src/cli/usage-error.ts", "src/limits.ts"]);
  });

  it("validate loads the parser, the model and the rules, and nothing of the App, the timeline, routing or the config schema", () => {
    const loaded = [...listStaticImports("src/cli/validate.ts")];
    expect(loaded).toContain("src/validate/validate.ts");
    expect(loaded).toContain("yaml");
    const heavy = loaded.filter((m) => /^(probot|@octokit|zod|picomatch|diff|piscina|pg|@electric-sql|@kubernetes|prom-client)$|^src\/(github|routing|timeline|review|report)\/|^src\/config\/(?!defaults\.ts$)/.test(m));
    expect(heavy).toEqual([]);
  });

  it("the walker sees through re-exports, so the check above can fail", () => {
    expect(listStaticImports("src/cli/serve.ts")).toContain("probot");
    expect(listStaticImports("src/config/index.ts")).toContain("zod");
  });
});

describe("the App's default globs", () => {
  it("are the config schema's defaults, without loading the schema", async () => {
    const { buildDefaultConfig } = await import("../../src/config/index.js");
    const { DEFAULT_MANIFESTS } = await import("../../src/config/defaults.js");
    expect(buildDefaultConfig().manifests).toEqual(DEFAULT_MANIFESTS);
    expect([...listStaticImports("src/config/defaults.ts")]).toEqual(["src/config/defaults.ts"]);
  });
});
