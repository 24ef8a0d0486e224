/** The timeline for a terminal: aligned columns, no colours. */
import { formatDuration } from "../report/markdown.js";
import type { Timeline } from "./types.js";

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
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  lines.push(format(header), ...rows.map(format));
  const figure = (seconds: number | null, none: string) => (seconds === null ? none : formatDuration(seconds));
  lines.push(
    `promotes in: ${figure(timeline.minSecondsToPromotion, "never")}; worst-case rollback: ${figure(timeline.worstCaseSecondsToRollback, "-")}; first failure to rollback: ${figure(timeline.secondsFromFirstFailureToRollback, "-")}`,
  );
  if (timeline.stall) lines.push(`STALL from tick ${timeline.stall.tick} (${timeline.stall.phase}): ${timeline.stall.reason}`);
  for (const note of timeline.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}
