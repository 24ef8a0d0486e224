/**
 * Runnable JavaScript of our TypeScript sources, for what vitest cannot run in its own process:
 * the review worker thread (piscina loads a file) and `canary-bot serve` as a child process (for
 * SIGTERM, restarts and two replicas). esbuild bundles our code; npm packages stay external.
 * The store's migrations are copied next to the bundle, where readMigrations looks for them.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "../..");
let bundled: Promise<{ dir: string; cli: string; worker: string }> | undefined;

export function bundleCanaryBot(): Promise<{ dir: string; cli: string; worker: string }> {
  bundled ??= (async () => {
    // Inside the project, so that the bundle's imports of npm packages resolve to node_modules.
    const dir = mkdtempSync(join(ROOT, "node_modules", ".canary-bot-bundle-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    await build({
      entryPoints: { cli: join(ROOT, "src/cli.ts"), "review-worker": join(ROOT, "src/github/review-worker.ts") },
      outdir: dir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outExtension: { ".js": ".mjs" },
      logLevel: "error",
    });
    cpSync(join(ROOT, "src/store/migrations"), join(dir, "migrations"), { recursive: true });
    return { dir, cli: join(dir, "cli.mjs"), worker: join(dir, "review-worker.mjs") };
  })();
  return bundled;
}

export const TMP = tmpdir();
export { mkdtempSync };
