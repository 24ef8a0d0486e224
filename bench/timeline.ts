/**
 * Simulating and rendering the rollout of 10,000 Canaries (bench/repository.ts varies providers
 * and strategies), as a ratio to parsing the same files, in the same process. Also the routing
 * objects Flagger generates for them.
 */
import { parseManifestFile, type ManifestFile } from "../src/canary/parse.js";
import { buildRepositoryIndex, resolveCanary, type ResolvedCanary } from "../src/canary/resolve.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../src/canary/settings.js";
import { generateRoutingResources } from "../src/routing/index.js";
import { renderResourcesYaml } from "../src/routing/yaml.js";
import { buildMetricQueries, renderMetricQueriesMarkdown } from "../src/timeline/queries.js";
import { renderTimelineMarkdown, renderTimelineMermaid } from "../src/timeline/render-markdown.js";
import { simulateRollout } from "../src/timeline/simulate.js";
import { formatBytes, peakHeapGrowth, ratio, time, type BenchSection } from "./measure.js";
import { generateRepository } from "./repository.js";

const CANARIES = 10_000;

export const benchTimeline: BenchSection = async (print) => {
  const entries = Object.entries(generateRepository(CANARIES));
  const settings = DEFAULT_CONTROLLER_SETTINGS;
  const parse = (): ManifestFile[] => entries.map(([path, content]) => parseManifestFile({ path, content }));
  const files = parse();
  const index = buildRepositoryIndex(files);
  const resolved: ResolvedCanary[] = index.canaries.map((canary) => resolveCanary({ canary, index, settings }));

  const simulate = () => resolved.map((r) => simulateRollout({ resolved: r, settings }));
  const timelines = simulate();
  // Rendering alone, on timelines simulated once: the Markdown table and figures, the Mermaid
  // gantt source, and the metric queries (built and rendered).
  const render = () => {
    let chars = 0;
    for (const [i, timeline] of timelines.entries()) {
      chars += renderTimelineMarkdown(timeline, { diagram: false }).length + renderTimelineMermaid(timeline).length;
      chars += renderMetricQueriesMarkdown(buildMetricQueries({ resolved: resolved[i]!, settings })).length;
    }
    return chars;
  };
  const simulateAndRender = () => {
    let chars = 0;
    for (const r of resolved) {
      const timeline = simulateRollout({ resolved: r, settings });
      chars += renderTimelineMarkdown(timeline).length + renderMetricQueriesMarkdown(buildMetricQueries({ resolved: r, settings })).length;
    }
    return chars;
  };
  const generate = () => {
    let chars = 0;
    for (const r of resolved) chars += renderResourcesYaml(generateRoutingResources({ resolved: r, settings }).resources).length;
    return chars;
  };

  const parsing = time(() => void parse(), { runs: 2, warmup: 0 });
  const simulatingOnly = time(() => void simulate(), { runs: 3, warmup: 1 });
  const renderingOnly = time(() => void render(), { runs: 3, warmup: 1 });
  const simulating = time(() => void simulateAndRender(), { runs: 3, warmup: 1 });
  const generating = time(() => void generate(), { runs: 2, warmup: 0 });
  const peak = await peakHeapGrowth(simulateAndRender);
  print(`${resolved.length} Canaries in ${entries.length} files`);
  print(`parse: ${parsing.medianMs.toFixed(0)} ms`);
  print(`simulate only: ${simulatingOnly.medianMs.toFixed(0)} ms = ${ratio(simulatingOnly.medianMs, parsing.medianMs)} parsing`);
  print(`render only (Markdown table and figures, Mermaid gantt, metric queries): ${renderingOnly.medianMs.toFixed(0)} ms = ${ratio(renderingOnly.medianMs, parsing.medianMs)} parsing`);
  print(`simulate + render timeline (Markdown, Mermaid) + metric queries: ${simulating.medianMs.toFixed(0)} ms = ${ratio(simulating.medianMs, parsing.medianMs)} parsing, ${Math.round((resolved.length / simulating.medianMs) * 1000)} Canaries/s`);
  print(`generate routing objects + YAML: ${generating.medianMs.toFixed(0)} ms = ${ratio(generating.medianMs, parsing.medianMs)} parsing`);
  print(`peak heap growth while simulating and rendering: ${formatBytes(peak)}`);
};
