/**
 * `review` of a generated 200-Canary kustomize repository with two Flux clusters (staging and
 * production overlays over one base), built with the real kustomize, against the raw-file review
 * of the same rendered objects: what the build costs on top of the review.
 */
import { stringify } from "yaml";
import { getBuiltReviewInput } from "../src/build/review-input.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findKustomizeEngine, runKustomize } from "../src/build/kustomize.js";
import { parseManifestFile } from "../src/canary/parse.js";
import { buildDefaultConfig } from "../src/config/index.js";
import { reviewChanges } from "../src/review/index.js";
import { ratio, timeAsync, time, type BenchSection } from "./measure.js";
import { generateRepository } from "./repository.js";

const CANARIES = 200;

function generateKustomizeRepository(stagingTag: string): Map<string, string> {
  const files = new Map<string, string>();
  const apps = generateRepository(CANARIES);
  for (const [path, text] of Object.entries(apps)) files.set(`base/${path}`, text.replace(/^ {2}namespace: apps\n/gm, ""));
  files.set("base/kustomization.yaml", `resources:\n${Object.keys(apps).map((p) => `  - ${p}`).join("\n")}\n`);
  for (const [cluster, tag] of [["staging", stagingTag], ["production", "6.7.0"]] as const) {
    files.set(`overlays/${cluster}/kustomization.yaml`, `namespace: ${cluster}\nresources: [../../base]\nimages:\n  - name: ghcr.io/stefanprodan/podinfo\n    newTag: ${tag}\n`);
    files.set(
      `clusters/${cluster}/apps.yaml`,
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: flux-system}\n  path: ./overlays/${cluster}\n  postBuild:\n    substitute: {cluster: ${cluster}}\n`,
    );
  }
  return files;
}

export const benchBuild: BenchSection = async (print) => {
  const engine = await findKustomizeEngine();
  if (!engine) {
    print("skipped: no kustomize binary (KUSTOMIZE_BIN, kustomize or kubectl on PATH)");
    return;
  }
  const base = generateKustomizeRepository("6.7.0");
  const head = generateKustomizeRepository("6.8.0");
  const changedPaths = [...head.keys()].filter((p) => base.get(p) !== head.get(p));
  const config = buildDefaultConfig();
  const built = async () => {
    const input = await getBuiltReviewInput({ base, head, changedPaths, config, engine });
    return reviewChanges({ ...input, notes: input.notes });
  };
  // The same rendered objects as raw files: one file per cluster and source file.
  const input = await getBuiltReviewInput({ base, head, changedPaths, config, engine });
  const renderSide = (scopes: typeof input.scopes.base) =>
    scopes.flatMap((scope) => scope.files.map((f) => ({ path: `rendered/${scope.id}/${f.path}`, content: f.documents.map((d) => stringify(d.value)).join("---\n") })));
  const rawBase = renderSide(input.scopes.base);
  const rawHead = renderSide(input.scopes.head);
  const rawChanged = rawHead.filter((h) => rawBase.find((b) => b.path === h.path)?.content !== h.content).map((h) => h.path);
  const raw = () => reviewChanges({
    base: rawBase.map((f) => parseManifestFile(f)),
    head: rawHead.map((f) => parseManifestFile(f)),
    changedPaths: rawChanged,
    settings: input.settings,
  });
  const rawTiming = time(() => void raw(), { runs: 3 });
  const buildOnly = await timeAsync(async () => void (await getBuiltReviewInput({ base, head, changedPaths, config, engine })), { runs: 3 });
  const builtTiming = await timeAsync(async () => void (await built()), { runs: 3 });
  // kustomize alone, on one overlay, to tell its share from ours.
  const folder = await mkdtemp(join(tmpdir(), "bench-kustomize-"));
  for (const [path, text] of head) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), text);
  }
  const kustomizeOnly = await timeAsync(async () => void (await runKustomize({ engine, folder: join(folder, "overlays/staging"), loadRestrictorNone: true })), { runs: 3 });
  await rm(folder, { recursive: true, force: true });
  const result = await built();
  const staging = result.model.canaries.filter((c) => c.cluster === "staging" && c.newRevision).length;
  print(`repository: ${CANARIES} Canaries in base/, overlays for 2 clusters (Flux Kustomizations), ${head.size} files per side; the staging image tag changes (${engine.label})`);
  print(`raw-file review of the same rendered objects (${rawHead.length} files per side): ${rawTiming.medianMs.toFixed(0)} ms`);
  print(`build both sides (2 Flux roots per side; production, unchanged, is built once; every object placed on its source line): ${buildOnly.medianMs.toFixed(0)} ms = ${ratio(buildOnly.medianMs, rawTiming.medianMs)} the raw review`);
  print(`of which kustomize itself, one overlay (${CANARIES * 3} objects): ${kustomizeOnly.medianMs.toFixed(0)} ms; 3 such builds = ${ratio(3 * kustomizeOnly.medianMs, rawTiming.medianMs)} the raw review`);
  print(`review with the build: ${builtTiming.medianMs.toFixed(0)} ms = ${ratio(builtTiming.medianMs, rawTiming.medianMs)} the raw review`);
  print(`reviewed: ${result.model.canaries.length} Canaries, ${staging} staging new revisions; comment ${result.comment.length} characters`);
};
