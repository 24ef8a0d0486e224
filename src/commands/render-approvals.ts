/**
 * The "Approvals" section of the sticky comment: every command read on the pull request (who,
 * what, when, on which head, for which run, and what came of it), then what Flagger asked at each
 * gate and what it was answered. Everything people or repositories wrote is escaped. Pure.
 */
import { escapeText } from "../markdown/escape.js";
import type { CommandRecord, GateCallRecord } from "./records.js";

/** Rows shown per table; older rows are counted, not shown (the comment has a 60,000-character budget). */
export const APPROVAL_ROWS = 30;

/** `2026-11-29T10:05:00Z` → `2026-11-29 10:05 UTC` */
function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeText(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function cell(text: string): string {
  return escapeText(text);
}

function outcomeOf(record: CommandRecord): string {
  if (record.outcome === "refused") return `❌ refused: ${cell(record.refusal ?? "")}`;
  if (record.invalidatedAt) return `⚪ void since ${formatTime(record.invalidatedAt)}: ` +
    `${cell(record.invalidation ?? "")}`;
  if (record.hook && record.consumedAt) return `✅ opened ${record.hook} at ${formatTime(record.consumedAt)}`;
  if (record.hook) return `✅ accepted, ${record.hook} opens for this run`;
  return "✅ accepted";
}

function commandOf(record: CommandRecord): string {
  const reason = record.reason ? ` ${cell(record.reason)}` : "";
  return `\`/canary ${record.verb}\`${reason}`;
}

/** One gate of one Canary: how many calls Flagger made and the latest. */
export interface GateCallSummary {
  calls: number;
  last: GateCallRecord;
}

/**
 * `gateCalls` are the calls themselves; `gateCallSummaries` the store's count and latest call per
 * gate (what the App passes: Flagger polls a closed gate every tick, so the calls are many).
 */
export function renderApprovalsSection(params: { records: readonly CommandRecord[]; gateCalls?: readonly GateCallRecord[]; gateCallSummaries?: readonly GateCallSummary[] }): string {
  const records = [...params.records].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.key < b.key ? -1 : 1));
  const summary = params.gateCallSummaries
    ? [...params.gateCallSummaries].sort((a, b) => Date.parse(b.last.at) - Date.parse(a.last.at))
    : summarizeGateCalls(params.gateCalls ?? []);
  if (records.length === 0 && summary.length === 0) return "";
  // A sub-section of the review, like Promotion and Rollout; five columns fit GitHub's 780 px column.
  const lines = ["#### Approvals", ""];
  if (records.length === 0) {
    lines.push("No command yet.");
  } else {
    lines.push("| When | Who | Command | For | Outcome |", "|---|---|---|---|---|");
    for (const r of records.slice(0, APPROVAL_ROWS)) {
      const canary = r.canary ? `${cell(`${r.canary.namespace}/${r.canary.name}`)} in ${cell(r.canary.environment)}, ` : "";
      const head = `head \`${r.headSha.slice(0, 7).replace(/[^0-9a-f]/gi, "")}\``;
      const run = r.runId ? `, ${describeRun(r.runId)}` : "";
      lines.push(`| ${formatTime(r.at)} | ${cell(r.actor)} | ${commandOf(r)} | ${canary}${head}${run} | ${outcomeOf(r)} |`);
    }
    if (records.length > APPROVAL_ROWS) lines.push("", `${records.length - APPROVAL_ROWS} older commands are not ` +
      `shown.`);
  }
  if (summary.length > 0) {
    lines.push("", "Flagger's gate calls (latest answer per gate):", "", "| Canary | Gate | Calls | Last call | Answer |", "|---|---|---:|---|---|");
    for (const s of summary.slice(0, APPROVAL_ROWS)) {
      const answer = s.last.status === 200 ? `✅ 200: ${cell(s.last.reason)}` : `⏸️ ${s.last.status}: ` +
        `${cell(s.last.reason)}`;
      lines.push(`| ${cell(`${s.last.namespace ?? "?"}/${s.last.name ?? "?"}`)} in cluster ${cell(s.last.cluster)} | ` +
        `${cell(s.last.hook)} | ${s.calls} | ${formatTime(s.last.at)} | ${answer} |`);
    }
    if (summary.length > APPROVAL_ROWS) lines.push("", `${summary.length - APPROVAL_ROWS} more gates are not shown.`);
  }
  return lines.join("\n");
}

/** A run id is `<cluster>/<namespace>/<name>@<start>` (current-run.ts): the row names the Canary, so the start says which run. */
function describeRun(runId: string): string {
  const start = /@(\d{4}-\d{2}-\d{2}T[0-9:.]+Z)$/.exec(runId)?.[1];
  return start ? `run of ${formatTime(start)}` : `run ${cell(runId)}`;
}

/** Flagger polls a closed gate every tick: one row per gate, with the count and the latest answer. */
function summarizeGateCalls(calls: readonly GateCallRecord[]): GateCallSummary[] {
  const groups = new Map<string, GateCallSummary>();
  for (const call of calls) {
    const key = [call.cluster, call.namespace, call.name, call.hook].join("\u0000");
    const group = groups.get(key);
    if (!group) groups.set(key, { calls: 1, last: call });
    else {
      group.calls += 1;
      if (Date.parse(call.at) >= Date.parse(group.last.at)) group.last = call;
    }
  }
  return [...groups.values()].sort((a, b) => Date.parse(b.last.at) - Date.parse(a.last.at));
}
