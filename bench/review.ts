/**
 * `review` of a generated repository in which every one of 1,000 Canaries changes (a new image and
 * a new maxWeight), against parsing the same files in the same process.
 */
import { parseManifestFile } from "../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../src/canary/settings.js";
import { reviewChanges } from "../src/review/index.js";
import { formatBytes, peakHeapGrowth, ratio, time, type BenchSection } from "./measure.js";
import { generateRepository } from "./repository.js";

const CANARIES = 1000;

export const benchReview: BenchSection = async (print) => {
  const base = generateRepository(CANARIES);
  const head = generateRepository(CANARIES, { image: "ghcr.io/stefanprodan/podinfo:6.8.0", maxWeight: 60 });
  const changedPaths = Object.keys(head).filter((p) => base[p] !== head[p]);
  const bytes = [...Object.values(base), ...Object.values(head)].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  const parseAll = () => {
    const b = Object.entries(base).map(([path, content]) => parseManifestFile({ path, content }));
    const h = Object.entries(head).map(([path, content]) => parseManifestFile({ path, content }));
    return { b, h };
  };
  const review = () => {
    const { b, h } = parseAll();
    return reviewChanges({ base: b, head: h, changedPaths, settings: DEFAULT_CONTROLLER_SETTINGS });
  };
  const parsing = time(() => void parseAll(), { runs: 3 });
  const reviewing = time(() => void review(), { runs: 3 });
  const peak = await peakHeapGrowth(review);
  const result = review();
  print(`repository: ${CANARIES} Canaries, ${Object.keys(head).length} files per side, ${changedPaths.length} changed, ${formatBytes(bytes)} read (base + head)`);
  print(`parse both sides: ${parsing.medianMs.toFixed(0)} ms`);
  print(`review (parse, validate, simulate, generate, diff, render): ${reviewing.medianMs.toFixed(0)} ms = ${ratio(reviewing.medianMs, parsing.medianMs)} parsing`);
  print(`peak heap growth during review: ${formatBytes(peak)}`);
  print(`comment: ${result.comment.length} characters for ${result.model.canaries.length} reviewed Canaries (budget 60,000); check annotations: ${result.check.annotations.length}`);
};
