/**
 * `canary-bot timeline [--format text|json|markdown] [--fail-from K] PATH…` (DESIGN.md, CLI):
 * Flagger's rollout of every Canary among the files, tick by tick. References (MetricTemplates,
 * the target) are resolved across all the given files.
 */
import { parseArgs } from "node:util";
import { buildRepositoryIndex, resolveCanary } from "../canary/resolve.js";
import { buildMetricQueries, renderMetricQueriesMarkdown } from "../timeline/queries.js";
import { renderTimelineMarkdown } from "../timeline/render-markdown.js";
import { renderMetricQueriesText, renderTimelineText } from "../timeline/render-text.js";
import { simulateRollout } from "../timeline/simulate.js";
import { findManifestPaths, readManifestFiles, UsageError } from "./files.js";
import type { CommandIO } from "./io.js";
import { loadControllerSettings, SETTINGS_OPTIONS } from "./settings.js";

export const TIMELINE_USAGE = `Usage: canary-bot timeline [--format text|json|markdown] [--fail-from K] [--config FILE] [--mesh-provider P] PATH...

Simulates Flagger's scheduler for every Canary in the files or folders: tick by tick weights,
hooks, metric checks and phases, the time to promote and the worst-case time to roll back.
Tick 0 is the tick on which Flagger detects the new revision. Every format also shows the
metric queries Flagger will send, with the Canary's values filled in.

  --format F           text (default), json or markdown
  --fail-from K        every check fails from tick K on (what if the new version is bad?)
  --config FILE        the repository's .github/canary-bot.yml (controller settings)
  --mesh-provider P    Flagger's -mesh-provider flag (default istio)

Files with YAML errors are reported on stderr; the Canaries that parse are still simulated.

Exit codes: 0 done, 2 usage error.`;

export async function runTimeline(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: "string", default: "text" }, "fail-from": { type: "string" }, help: { type: "boolean", short: "h" }, ...SETTINGS_OPTIONS },
  });
  if (values.help) {
    io.stdout(`${TIMELINE_USAGE}\n`);
    return 0;
  }
  const format = values.format;
  if (format !== "text" && format !== "json" && format !== "markdown") throw new UsageError(`--format must be text, json or markdown, not ${format}`);
  let failFromTick: number | undefined;
  if (values["fail-from"] !== undefined) {
    if (!/^\d+$/.test(values["fail-from"])) throw new UsageError(`--fail-from must be a tick number (0 or more), not ${values["fail-from"]}`);
    failFromTick = Number(values["fail-from"]);
  }
  if (positionals.length === 0) throw new UsageError("timeline needs at least one file or folder");
  const settings = await loadControllerSettings(values);
  const files = await readManifestFiles(await findManifestPaths(positionals));
  // A document that does not parse says why on stderr (no silent skip); the others are simulated.
  for (const file of files) {
    for (const finding of file.findings.filter((f) => f.severity === "error")) io.stderr(`${file.path}:${finding.line}:${finding.column}: ${finding.message} (no timeline for it)\n`);
  }
  const index = buildRepositoryIndex(files);
  const canaries = index.canaries.map((canary) => {
    const resolved = resolveCanary({ canary, index, settings });
    return { timeline: simulateRollout({ resolved, settings, ...(failFromTick !== undefined ? { failFromTick } : {}) }), queries: buildMetricQueries({ resolved, settings }) };
  });
  if (canaries.length === 0) io.stderr("no Flagger Canary found in the given files\n");
  if (format === "json") {
    io.stdout(`${JSON.stringify({ canaries: canaries.map(({ timeline, queries }) => ({ ...timeline, namespace: timeline.namespace ?? null, queries })) }, null, 2)}\n`);
  } else if (format === "markdown") {
    io.stdout(
      canaries
        .map(({ timeline, queries }) => {
          const name = timeline.namespace ? `${timeline.namespace}/${timeline.name}` : timeline.name;
          const sections = [`## ${name}: ${timeline.strategyDescription}`, renderTimelineMarkdown(timeline)];
          if (queries.length > 0) sections.push(`### Metric queries\n\n${renderMetricQueriesMarkdown(queries)}`);
          return sections.join("\n\n");
        })
        .join("\n\n") + "\n",
    );
  } else {
    io.stdout(canaries.map(({ timeline, queries }) => renderTimelineText(timeline) + renderMetricQueriesText(queries)).join("\n"));
  }
  return 0;
}
