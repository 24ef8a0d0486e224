/**
 * Reviews of generated GitOps repositories (bench/repository.ts) for the comment tests and the
 * screenshots: every Canary changes (new image, maxWeight 50 → 60); some are broken on purpose.
 */
import { generateRepository } from "../../bench/repository.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { reviewChanges } from "../../src/review/index.js";

export const BLOB_URL = "https://github.com/acme/gitops/blob/0123456789abcdef0123456789abcdef01234567";
export const CHECK_RUN_URL = "https://github.com/acme/gitops/runs/42";

export interface GeneratedReviewOptions {
  /** Canaries whose head analysis is broken, by index: half rejected by the API server, half by Flagger. */
  errors?: readonly number[];
  /** A longer name for some Canaries, to test the table's width (Kubernetes allows 253). */
  rename?: (index: number) => string | undefined;
}

export function reviewGenerated(count: number, options: GeneratedReviewOptions = {}) {
  const rename = (files: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(files).map(([path, text]) => {
        const index = Number(/app-(\d+)\//.exec(path)?.[1] ?? -1);
        const name = options.rename?.(index);
        return [path, name ? text.replaceAll(`app-${index}`, name) : text];
      }),
    );
  const base = rename(generateRepository(count));
  const head = rename(generateRepository(count, { image: "ghcr.io/stefanprodan/podinfo:6.8.0", maxWeight: 60 }));
  for (const [n, index] of (options.errors ?? []).entries()) {
    const canaryPath = `apps/app-${index}/canary.yaml`;
    // An interval the CRD's pattern refuses (the API server rejects the Canary), or a metric Flagger
    // fails on every tick (no query, no template, not built in).
    head[canaryPath] =
      n % 2 === 0
        ? head[canaryPath]!.replace("interval: 1m\n    threshold", "interval: 1x\n    threshold")
        : head[canaryPath]!.replace("    metrics:\n", "    metrics:\n      - name: error-budget\n        interval: 1m\n        thresholdRange:\n          max: 1\n");
  }
  const changedPaths = Object.keys(head).filter((p) => base[p] !== head[p]);
  const parse = (files: Record<string, string>) => Object.entries(files).map(([path, content]) => parseManifestFile({ path, content }));
  return reviewChanges({ base: parse(base), head: parse(head), changedPaths, settings: DEFAULT_CONTROLLER_SETTINGS, blobUrl: BLOB_URL, checkRunUrl: CHECK_RUN_URL });
}
