/**
 * Every real-world manifest of ../shared/corpus goes through the whole pipeline without an
 * exception: validate, simulate (happy path and failing from tick 1), metric queries, generated
 * resources (as created and mid-rollout, mirrored), and the review comment as an added file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { buildRepositoryIndex, resolveCanary } from "../../src/canary/resolve.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { GITHUB_LIMITS } from "../../src/limits.js";
import { reviewChanges } from "../../src/review/index.js";
import { generateRoutingResources } from "../../src/routing/index.js";
import { renderResourcesYaml } from "../../src/routing/yaml.js";
import { buildMetricQueries } from "../../src/timeline/queries.js";
import { renderTimelineMarkdown } from "../../src/timeline/render-markdown.js";
import { simulateRollout } from "../../src/timeline/simulate.js";
import { findMarkdownProblems } from "../support/gfm.js";

const CORPUS = join(import.meta.dirname, "../../../shared/corpus");
const FILES = ["canaries", "templated"].flatMap((folder) => readdirSync(join(CORPUS, folder)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${folder}/${f}`));

describe("the corpus through the whole pipeline", () => {
  it("has the files the INDEX lists", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(115);
  });

  it.each(FILES)("%s", (path) => {
    const settings = DEFAULT_CONTROLLER_SETTINGS;
    const file = parseManifestFile({ path, content: readFileSync(join(CORPUS, path)) });
    const index = buildRepositoryIndex([file]);
    for (const canary of index.canaries) {
      const resolved = resolveCanary({ canary, index, settings });
      const timeline = simulateRollout({ resolved, settings });
      for (const tick of timeline.ticks) expect(tick.primaryWeight + tick.canaryWeight).toBe(100);
      simulateRollout({ resolved, settings, failFromTick: 1 });
      expect(findMarkdownProblems(renderTimelineMarkdown(timeline))).toEqual([]);
      buildMetricQueries({ resolved, settings });
      for (const routes of [undefined, { primaryWeight: 50, canaryWeight: 50, mirrored: false }, { primaryWeight: 100, canaryWeight: 0, mirrored: true }]) {
        renderResourcesYaml(generateRoutingResources({ resolved, settings, ...(routes ? { routes } : {}) }).resources);
      }
    }
    const review = reviewChanges({ base: [], head: [file], changedPaths: [path], settings });
    expect(review.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(findMarkdownProblems(review.comment)).toEqual([]);
  });
});
