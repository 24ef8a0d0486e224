/** The timeline for a terminal: aligned columns, no colours. */
import { formatDuration } from "../markdown/blocks.js";
import type { MetricQuery } from "./queries.js";
import type { Timeline } from "./types.js";

/**
 * Manifest text in a terminal: control characters (ANSI escapes, carriage returns) could rewrite
 * the screen, so they become `?`.
 */
export function terminalText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
}

export function renderTimelineText(timeline: Timeline): string {
  const lines: string[] = [];
  const name = timeline.namespace ? `${timeline.namespace}/${timeline.name}` : timeline.name;
  lines.push(`${name}: ${timeline.strategyDescription} (provider ${timeline.provider}, interval ${formatDuration(timeline.intervalSeconds)}, threshold ${timeline.threshold})`);
  if (timeline.failFromTick !== undefined) lines.push(`every check fails from tick ${timeline.failFromTick} on`);
  const header = ["tick", "time", "phase", "primary/canary", "iter", "failed", "hooks and checks"];
  const rows = timeline.ticks.map((t) => [
    String(t.tick),
    formatDuration(t.seconds),
    t.phase,
    `${t.primaryWeight}/${t.canaryWeight}${t.mirrored ? " mirrored" : ""}`,
    String(t.iteration),
    String(t.failedChecks),
    [...t.hooks.map((h) => `${h.outcome === "fail" ? "FAIL " : ""}${h.type}:${h.name}`), ...t.metrics.map((m) => `${m.outcome === "fail" ? "FAIL " : ""}${m.name}`)].join(" ") || "-",
  ].map(terminalText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  lines.push(format(header), ...rows.map(format));
  const figure = (seconds: number | null, none: string) => (seconds === null ? none : formatDuration(seconds));
  lines.push(
    `promotes in: ${figure(timeline.minSecondsToPromotion, "never")}; worst-case rollback: ${figure(timeline.worstCaseSecondsToRollback, "-")}; first failure to rollback: ${figure(timeline.secondsFromFirstFailureToRollback, "-")}`,
  );
  if (timeline.stall) lines.push(`STALL from tick ${timeline.stall.tick} (${timeline.stall.phase}): ${timeline.stall.reason}`);
  for (const note of timeline.notes) lines.push(`note: ${note}`);
  return `${lines.map(terminalText).join("\n")}\n`;
}

/** The metric queries for a terminal: one line per query (ready to paste into Prometheus), then its notes. */
export function renderMetricQueriesText(queries: readonly MetricQuery[]): string {
  if (queries.length === 0) return "";
  const lines = ["metric queries (Flagger v1.44 pkg/controller/scheduler_metrics.go):"];
  for (const q of queries) {
    const kind = q.source === "builtin" ? `built-in, ${q.provider}` : q.source === "template" ? `MetricTemplate, ${q.provider}` : q.provider === "none" ? "no query" : "inline query";
    const range = q.thresholdRange ? `, passes when ${[q.thresholdRange.min !== undefined ? `>= ${q.thresholdRange.min}` : "", q.thresholdRange.max !== undefined ? `<= ${q.thresholdRange.max}` : ""].filter(Boolean).join(" and ") || "always"}` : "";
    lines.push(`  ${q.name} (${kind}, window ${q.interval ?? "(none)"}${range})${q.query !== undefined ? `: ${q.query}` : ""}`);
    for (const note of q.notes) lines.push(`    note: ${note}`);
  }
  return `${lines.map(terminalText).join("\n")}\n`;
}
