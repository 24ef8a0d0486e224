/**
 * The merge gate's output: the `canary/promotion` check run (title, summary, status, conclusion)
 * and the "Promotion" section of the sticky comment, rendered from a GateDecision alone (no re-read
 * of the repository to redraw it). Pure. Everything that comes from the repository, a cluster or
 * a comment (names, images, reasons, logins) goes through `escapeText`: HTML-escaped, @mentions
 * broken, pipes escaped.
 */
import { GITHUB_LIMITS } from "../limits.js";
import { truncateMarkdown } from "../report/budget.js";
import { plural, table } from "../markdown/blocks.js";
import { escapeText } from "../markdown/escape.js";
import type { CanaryGate, GateDecision, GateVerdict } from "./merge-gate.js";

export const PROMOTION_CHECK_NAME = "canary/promotion";

export interface PromotionCheckOutput {
  name: typeof PROMOTION_CHECK_NAME;
  /** Pending is `in_progress`: it blocks a required check; `neutral` or `skipped` would satisfy it. */
  status: "in_progress" | "completed";
  conclusion: "success" | "failure" | null;
  title: string;
  summary: string;
}

const VERDICT_ICON: Record<GateVerdict, string> = { pending: "⏳", success: "✅", failure: "❌" };

export function renderPromotionCheck(decision: GateDecision): PromotionCheckOutput {
  const counts = countVerdicts(decision.canaries);
  const title =
    decision.override?.kind === "hold"
      ? "Held"
      : decision.override?.kind === "skip-gate"
        ? "Gate skipped"
        : decision.verdict === "failure"
          ? `Failed: ${plural(counts.failure, "Canary", "Canaries")} not promoted`
          : decision.verdict === "pending"
            ? `Waiting for ${plural(counts.pending, "Canary", "Canaries")}`
            : decision.canaries.some((c) => c.rule !== "none")
              ? "Promoted where required"
              : "No promotion rule applies";
  const summary = truncateMarkdown({ text: [escapeText(decision.reason), "", renderCanaryTable(decision), "", renderFooter(decision)].join("\n"), limit: GITHUB_LIMITS.checkOutputChars });
  return {
    name: PROMOTION_CHECK_NAME,
    status: decision.verdict === "pending" ? "in_progress" : "completed",
    conclusion: decision.verdict === "pending" ? null : decision.verdict,
    title,
    summary,
  };
}

/** The sticky comment's "Promotion" section. */
export function renderPromotionSection(decision: GateDecision): string {
  // A section of the review comment, whose own title is a level-3 heading.
  const lines = [`#### Promotion ${VERDICT_ICON[decision.verdict]}`, "", escapeText(decision.reason)];
  if (decision.canaries.length > 0) lines.push("", renderCanaryTable(decision));
  lines.push("", renderFooter(decision));
  return lines.join("\n");
}

function renderCanaryTable(decision: GateDecision): string {
  if (decision.canaries.length === 0) return "No Canary changed.";
  return table({
    headers: ["", "Canary", "Rule", "Status"],
    rows: decision.canaries.map((c) => [VERDICT_ICON[c.verdict], renderIdentity(c), renderRule(c), renderStatus(c, decision.evaluatedAt)]),
  });
}

function renderIdentity(c: CanaryGate): string {
  return `${escapeText(c.environment ?? "(no environment)")} · ${escapeText(c.namespace)}/${escapeText(c.name)}`;
}

function renderRule(c: CanaryGate): string {
  if (c.rule === "promoted-in") return `promoted in ${escapeText(c.target?.environment ?? "?")}`;
  if (c.rule === "preview") return "own head in preview";
  return "none";
}

function renderStatus(c: CanaryGate, now: number): string {
  const since = c.progress ? ` (for ${formatAge(now - c.progress.startedAt)})` : c.lock ? ` (for ${formatAge(now - c.lock.progress.startedAt)})` : "";
  return `${escapeText(c.reason)}${since}`;
}

function renderFooter(decision: GateDecision): string {
  const at = new Date(decision.evaluatedAt).toISOString();
  const override = decision.override
    ? `${decision.override.kind === "hold" ? "Held" : "Skipped"} by ${escapeText(decision.override.actor)} at ${new Date(decision.override.at).toISOString()}. `
    : "";
  return `<sub>${override}Evaluated ${at} from the clusters' records. \`/canary skip-gate <reason>\` overrides; \`/canary hold\` blocks.</sub>`;
}

function countVerdicts(canaries: readonly CanaryGate[]): Record<GateVerdict, number> {
  const counts: Record<GateVerdict, number> = { pending: 0, success: 0, failure: 0 };
  for (const c of canaries) counts[c.verdict] += 1;
  return counts;
}

/** `75_000` → `1m 15s`; negative ages (clock skew between Flagger and us) read as 0s. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes}m ${seconds % 60}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
}
