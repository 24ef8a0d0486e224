/**
 * The timeline for the pull request comment: the key figures, two Mermaid pictures and a compact
 * table of the ticks. The gantt chart shows each traffic step and phase as a bar on a time axis; the
 * line chart (`xychart-beta`, Mermaid ≥ 10.3, which GitHub renders) shows the canary's share of the
 * traffic minute by minute.
 */
import { TIMELINE_RENDER_LIMITS } from "../limits.js";
import { formatDuration, table } from "../markdown/blocks.js";
import { codeBlock, escapeText, mermaidText } from "../markdown/escape.js";
import { linkFlaggerSources } from "../markdown/flagger-source.js";
import type { Timeline, TimelineTick } from "./types.js";

/** Consecutive ticks that look the same in the table (an iteration run, a repeated failure). */
interface RowGroup {
  first: TimelineTick;
  last: TimelineTick;
}

/** The caps live in src/limits.ts with the others; re-exported for the renderer's users. */
export { TIMELINE_RENDER_LIMITS };
export { mermaidText };

export interface TimelineMarkdownOptions {
  /** The Mermaid pictures (default true): a comment with many Canaries may leave them out. */
  diagram?: boolean;
  /** The tick table (default true). */
  table?: boolean;
}

export function renderTimelineMarkdown(timeline: Timeline, options: TimelineMarkdownOptions = {}): string {
  const parts = [renderFigures(timeline)];
  if (timeline.stall) {
    parts.push(`> [!WARNING]\n> This rollout never finishes: from tick ${timeline.stall.tick} (${timeline.stall.phase}) ${linkFlaggerSources(escapeText(timeline.stall.reason))}`);
  }
  if (options.diagram !== false) {
    const chart = renderWeightChart(timeline);
    if (chart) parts.push(codeBlock("mermaid", chart));
    parts.push(codeBlock("mermaid", renderTimelineMermaid(timeline)));
  }
  if (options.table !== false) parts.push(renderTickTable(timeline));
  if (timeline.notes.length > 0) parts.push(timeline.notes.map((n) => `- ${linkFlaggerSources(escapeText(n))}`).join("\n"));
  return parts.join("\n\n");
}

export function renderFigures(timeline: Timeline): string {
  const figures = [
    `**Promotes in** ${timeline.minSecondsToPromotion !== null ? formatDuration(timeline.minSecondsToPromotion) : "never"}`,
    `**worst-case rollback** ${timeline.worstCaseSecondsToRollback !== null ? formatDuration(timeline.worstCaseSecondsToRollback) : "–"}`,
    `**first failure → rollback** ${timeline.secondsFromFirstFailureToRollback !== null ? formatDuration(timeline.secondsFromFirstFailureToRollback) : "–"}`,
    `interval ${formatDuration(timeline.intervalSeconds)}, threshold ${timeline.threshold}, provider ${escapeText(timeline.provider)}`,
  ];
  const failFrom = timeline.failFromTick !== undefined ? `\n\nEvery check fails from tick ${timeline.failFromTick} on (what-if run).` : "";
  return `${figures.join(" · ")}${failFrom}`;
}

/**
 * Mermaid gantt source (without fences): traffic to the canary per step, and the phases. Times are
 * Unix milliseconds (`dateFormat x`): with `dateFormat X` Mermaid 11 reads a task's start as
 * seconds but a bare-number end as milliseconds, so every bar began at 0. The axis prints `%s`,
 * seconds since the epoch, which is seconds after detection whatever the reader's time zone.
 */
export function renderTimelineMermaid(timeline: Timeline): string {
  const intervalMs = timeline.intervalSeconds * 1000;
  const lines = [
    "gantt",
    `  title ${mermaidText(`${timeline.name || "canary"} (seconds after detection)`)}`,
    "  dateFormat x",
    "  axisFormat %s",
    "  todayMarker off",
    "  section Canary traffic",
  ];
  const traffic = mergeRuns(timeline.ticks, (t) => trafficLabel(timeline, t));
  for (const [i, run] of limitRuns(traffic).entries()) {
    lines.push(`  ${run.label} :t${i}, ${run.first.seconds * 1000}, ${run.last.seconds * 1000 + intervalMs}`);
  }
  lines.push("  section Phase");
  const phases = mergeRuns(timeline.ticks, (t) => t.phase);
  for (const [i, run] of limitRuns(phases).entries()) {
    const crit = run.first.phase === "Failed" ? "crit, " : run.first.phase === "Succeeded" ? "done, " : "";
    lines.push(`  ${run.label} :${crit}p${i}, ${run.first.seconds * 1000}, ${run.last.seconds * 1000 + intervalMs}`);
  }
  return lines.join("\n");
}

/**
 * The line's colour: orange keeps a contrast of at least 3:1 (WCAG's minimum for graphics) against
 * both GitHub's light (#ffffff) and dark (#0d1117) comment backgrounds; Mermaid's default palette
 * starts with a pale colour that disappears on white.
 */
export const WEIGHT_LINE_COLOR = "#e8590c";

/**
 * Mermaid `xychart-beta` source: the canary's share of the traffic after each tick, over minutes
 * after detection. Undefined when weights say nothing (A/B tests route by request, not by weight;
 * no ticks). A long run keeps one point per tick up to TIMELINE_RENDER_LIMITS.chartPoints, then
 * samples evenly, always keeping the last tick.
 */
export function renderWeightChart(timeline: Timeline): string | undefined {
  if (timeline.ticks.length === 0 || timeline.strategy === "ab-testing") return undefined;
  const ticks = samplePoints(timeline.ticks, TIMELINE_RENDER_LIMITS.chartPoints);
  const minutes = (t: TimelineTick) => formatNumber(t.seconds / 60);
  const last = ticks[ticks.length - 1]!;
  // A linear x axis spreads the points evenly from its minimum to its maximum, which is their
  // real position because ticks are one interval apart (and sampling keeps a constant stride).
  return [
    "---",
    "config:",
    "  themeVariables:",
    "    xyChart:",
    `      plotColorPalette: "${WEIGHT_LINE_COLOR}"`,
    "---",
    "xychart-beta",
    `  title "${mermaidText(`${timeline.name || "canary"} - canary traffic`)}"`,
    `  x-axis "minutes after detection" ${minutes(ticks[0]!)} --> ${minutes(last)}`,
    '  y-axis "canary %" 0 --> 100',
    `  line [${ticks.map((t) => t.canaryWeight).join(", ")}]`,
  ].join("\n");
}

/** At most `max` ticks with a constant stride, ending on the last tick. */
export function samplePoints(ticks: readonly TimelineTick[], max: number): TimelineTick[] {
  if (ticks.length <= max) return [...ticks];
  const stride = Math.ceil((ticks.length - 1) / (max - 1));
  const lastIndex = ticks.length - 1;
  const out: TimelineTick[] = [];
  // Start so that the stride lands on the last tick.
  for (let i = lastIndex % stride; i <= lastIndex; i += stride) out.push(ticks[i]!);
  return out;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, "");
}

interface Run<T> {
  label: string;
  first: T;
  last: T;
}

function mergeRuns(ticks: readonly TimelineTick[], key: (t: TimelineTick) => string): Array<Run<TimelineTick>> {
  const runs: Array<Run<TimelineTick>> = [];
  for (const tick of ticks) {
    const label = key(tick);
    const last = runs[runs.length - 1];
    if (last && last.label === label) last.last = tick;
    else runs.push({ label, first: tick, last: tick });
  }
  return runs;
}

/** A very long run (a 1% ladder) keeps its first and last bars and one bar for the middle. */
function limitRuns(runs: Array<Run<TimelineTick>>): Array<Run<TimelineTick>> {
  const max = TIMELINE_RENDER_LIMITS.mermaidBars;
  if (runs.length <= max) return runs;
  const head = runs.slice(0, max - 6);
  const tail = runs.slice(runs.length - 5);
  const middle: Run<TimelineTick> = { label: `… ${runs.length - head.length - tail.length} more steps`, first: runs[head.length]!.first, last: runs[runs.length - 6]!.last };
  return [...head, middle, ...tail];
}

/**
 * Whether A/B ticks send matching requests to the canary. A router that ignores `analysis.match`
 * sends it everything, which the simulation states in a note (timeline/simulate.ts).
 */
function routesByMatch(timeline: Timeline): boolean {
  return timeline.strategy === "ab-testing" && !timeline.notes.some((n) => n.includes("ignores analysis.match"));
}

function trafficLabel(timeline: Timeline, tick: TimelineTick): string {
  if (tick.mirrored) return "mirrored to canary";
  if (tick.canaryWeight === 100 && routesByMatch(timeline)) return "matching requests to canary";
  return `canary ${tick.canaryWeight}%`;
}

function describeRoutes(timeline: Timeline, tick: TimelineTick): string {
  // In A/B testing Flagger's SetRoutes(0, 100) writes the match routes only (docs/flagger-routing.md §4.3).
  if (tick.canaryWeight === 100 && routesByMatch(timeline)) return "matching requests → canary, others → primary";
  return `${tick.primaryWeight} / ${tick.canaryWeight}${tick.mirrored ? " (mirrored)" : ""}`;
}

export function renderTickTable(timeline: Timeline): string {
  const groups = groupRows(timeline.ticks);
  const max = TIMELINE_RENDER_LIMITS.tableRows;
  const shown = groups.length <= max ? groups : [...groups.slice(0, max - 10), undefined, ...groups.slice(groups.length - 9)];
  const rows = shown.map((group) => {
    if (!group) return ["…", "", "", "", "", "", `${groups.length - max + 1} more rows`];
    const { first, last } = group;
    const ticks = first === last ? `${first.tick}` : `${first.tick}–${last.tick}`;
    const time = first === last ? formatDuration(first.seconds) : `${formatDuration(first.seconds)}–${formatDuration(last.seconds)}`;
    return [
      ticks,
      time,
      first.phase,
      describeRoutes(timeline, last),
      escapeText(describeHooks(first)),
      escapeText(describeMetrics(first)),
      escapeText(first === last ? first.events.join(" ") : describeRange(first.events.join(" "), last.events.join(" "), last.tick - first.tick + 1)),
    ];
  });
  return table({ headers: ["Tick", "Time", "Phase", "Primary / canary %", "Hooks", "Checks", "What happens"], rows });
}

/**
 * One text for a run of ticks whose events differ only in their counters: each differing number
 * becomes a range ("Iteration 2–50/50", "1–3/3 failed checks"), so the row is true of every tick
 * it covers. Texts that differ otherwise are shown as first … last.
 */
export function describeRange(first: string, last: string, count: number): string {
  if (first === last) return `${first} (×${count})`;
  const split = (s: string) => s.split(/(\d+)/);
  const a = split(first);
  const b = split(last);
  const sameShape = a.length === b.length && a.every((part, i) => (i % 2 === 0 ? part === b[i] : true));
  if (!sameShape) return `${first} … ${last} (×${count})`;
  return a.map((part, i) => (i % 2 === 1 && part !== b[i] ? `${part}–${b[i]}` : part)).join("");
}

/** Ticks whose phase, hooks, checks and events are the same but for their counters. */
function groupRows(ticks: readonly TimelineTick[]): RowGroup[] {
  const groups: RowGroup[] = [];
  for (const tick of ticks) {
    const last = groups[groups.length - 1];
    if (last && rowKey(last.last) === rowKey(tick)) last.last = tick;
    else groups.push({ first: tick, last: tick });
  }
  return groups;
}

function rowKey(tick: TimelineTick): string {
  const events = tick.events.join(" ").replace(/\d+/g, "#");
  return JSON.stringify([tick.phase, tick.primaryWeight, tick.canaryWeight, tick.mirrored, tick.hooks, tick.metrics, tick.failedChecks > 0, events]);
}

function describeHooks(tick: TimelineTick): string {
  if (tick.hooks.length === 0) return "–";
  return tick.hooks.map((h) => `${h.outcome === "fail" ? "✗ " : ""}${h.type} ${h.name}`).join(", ");
}

function describeMetrics(tick: TimelineTick): string {
  if (tick.metrics.length === 0) return "–";
  return tick.metrics.map((m) => `${m.outcome === "fail" ? "✗ " : ""}${m.name}${m.interval ? ` [${m.interval}]` : ""}`).join(", ");
}
