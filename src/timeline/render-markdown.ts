/**
 * The timeline for the pull request comment: the key figures, a Mermaid picture of canary traffic
 * over time, and a compact table of the ticks. GitHub renders Mermaid flowchart, sequence and gantt
 * diagrams (xychart-beta is not confirmed there), so the picture is a gantt chart whose axis is in
 * seconds after detection (`%s` does not depend on the reader's time zone).
 */
import { TIMELINE_RENDER_LIMITS } from "../limits.js";
import { codeBlock, formatDuration, sanitize, table } from "../report/markdown.js";
import type { Timeline, TimelineTick } from "./types.js";

/** Consecutive ticks that look the same in the table (an iteration run, a repeated failure). */
interface RowGroup {
  first: TimelineTick;
  last: TimelineTick;
}

/** The caps live in src/limits.ts with the others; re-exported for the renderer's users. */
export { TIMELINE_RENDER_LIMITS };

export interface TimelineMarkdownOptions {
  /** The Mermaid picture (default true): a comment with many Canaries may leave it out. */
  diagram?: boolean;
  /** The tick table (default true). */
  table?: boolean;
}

export function renderTimelineMarkdown(timeline: Timeline, options: TimelineMarkdownOptions = {}): string {
  const parts = [renderFigures(timeline)];
  if (timeline.stall) {
    parts.push(`> [!WARNING]\n> This rollout never finishes: from tick ${timeline.stall.tick} (${timeline.stall.phase}) ${sanitize(timeline.stall.reason)}`);
  }
  if (options.diagram !== false) parts.push(codeBlock("mermaid", renderTimelineMermaid(timeline)));
  if (options.table !== false) parts.push(renderTickTable(timeline));
  if (timeline.notes.length > 0) parts.push(timeline.notes.map((n) => `- ${sanitize(n)}`).join("\n"));
  return parts.join("\n\n");
}

export function renderFigures(timeline: Timeline): string {
  const figures = [
    `**Promotes in** ${timeline.minSecondsToPromotion !== null ? formatDuration(timeline.minSecondsToPromotion) : "never"}`,
    `**worst-case rollback** ${timeline.worstCaseSecondsToRollback !== null ? formatDuration(timeline.worstCaseSecondsToRollback) : "–"}`,
    `**first failure → rollback** ${timeline.secondsFromFirstFailureToRollback !== null ? formatDuration(timeline.secondsFromFirstFailureToRollback) : "–"}`,
    `interval ${formatDuration(timeline.intervalSeconds)}, threshold ${timeline.threshold}, provider ${sanitize(timeline.provider)}`,
  ];
  const failFrom = timeline.failFromTick !== undefined ? `\n\nEvery check fails from tick ${timeline.failFromTick} on (what-if run).` : "";
  return `${figures.join(" · ")}${failFrom}`;
}

/** Mermaid gantt source (without fences): traffic to the canary per step, and the phases. */
export function renderTimelineMermaid(timeline: Timeline): string {
  const interval = timeline.intervalSeconds;
  const lines = [
    "gantt",
    `  title ${mermaidText(`${timeline.name || "canary"} (seconds after detection)`)}`,
    "  dateFormat X",
    "  axisFormat %s",
    "  section Canary traffic",
  ];
  const traffic = mergeRuns(timeline.ticks, (t) => trafficLabel(t));
  for (const [i, run] of limitRuns(traffic).entries()) {
    lines.push(`  ${run.label} :t${i}, ${run.first.seconds}, ${run.last.seconds + interval}`);
  }
  lines.push("  section Phase");
  const phases = mergeRuns(timeline.ticks, (t) => t.phase);
  for (const [i, run] of limitRuns(phases).entries()) {
    const crit = run.first.phase === "Failed" ? "crit, " : run.first.phase === "Succeeded" ? "done, " : "";
    lines.push(`  ${run.label} :${crit}p${i}, ${run.first.seconds}, ${run.last.seconds + interval}`);
  }
  return lines.join("\n");
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

function trafficLabel(tick: TimelineTick): string {
  if (tick.mirrored) return "mirrored to canary";
  return `canary ${tick.canaryWeight}%`;
}

/**
 * Text inside a Mermaid diagram: Mermaid reads `:`, `;`, `#` and `%%` as syntax, and GitHub
 * renders it as HTML, so anything but plain name characters becomes `_`.
 */
export function mermaidText(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._()/-]/g, "_").slice(0, 120);
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
      `${last.primaryWeight} / ${last.canaryWeight}${last.mirrored ? " (mirrored)" : ""}`,
      sanitize(describeHooks(first)),
      sanitize(describeMetrics(first)),
      sanitize(first === last ? first.events.join(" ") : `${last.events.join(" ")} (×${last.tick - first.tick + 1})`),
    ];
  });
  return table({ headers: ["Tick", "Time", "Phase", "Primary / canary %", "Hooks", "Checks", "What happens"], rows });
}

/** Ticks whose phase, hooks and checks are the same and whose only change is a counter. */
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
  return JSON.stringify([tick.phase, tick.primaryWeight, tick.canaryWeight, tick.mirrored, tick.hooks, tick.metrics, tick.failedChecks > 0]);
}

function describeHooks(tick: TimelineTick): string {
  if (tick.hooks.length === 0) return "–";
  return tick.hooks.map((h) => `${h.outcome === "fail" ? "✗ " : ""}${h.type} ${h.name}`).join(", ");
}

function describeMetrics(tick: TimelineTick): string {
  if (tick.metrics.length === 0) return "–";
  return tick.metrics.map((m) => `${m.outcome === "fail" ? "✗ " : ""}${m.name}${m.interval ? ` [${m.interval}]` : ""}`).join(", ");
}
