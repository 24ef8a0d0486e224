/**
 * The sticky pull request comment: a hidden marker, a summary first (per Canary: verdict, strategy,
 * time to promote, worst-case rollback, policy changes, what to do next), then collapsible sections
 * per Canary. Deterministic: the same review renders the same bytes, so the App can skip updates
 * whose body did not change.
 */
import { countBySeverity, type Finding } from "../canary/findings.js";
import { GITHUB_LIMITS } from "../limits.js";
import { CANARY_ITSELF_CHANGED, type CanaryChange, type ReviewModel } from "../review/review.js";
import { fitMarkdownBlocks, type MarkdownBlock } from "./budget.js";
import { code, details, plural, sanitize, table } from "./markdown.js";

/** Finds our comment among a pull request's comments (STYLE.md §6). */
export const REVIEW_MARKER = "<!-- canary-bot:review -->";

/** Extra sections per Canary, contributed by the timeline and routing layers. */
export interface CanarySection {
  /** The <summary> text, already sanitized. */
  title: string;
  body: string;
  /** Lower is more important when the comment must be cut. */
  priority: number;
  /** Names the section in the "left out" note. */
  label: string;
}

export interface CanarySummary {
  /** Short strategy description, e.g. "canary 10→50% in steps of 10". */
  strategy?: string;
  /** e.g. "8m" or "never (stalls at tick 3)". */
  promotesIn?: string;
  /** e.g. "9m". */
  worstCaseRollback?: string;
}

export interface CommentParams {
  model: ReviewModel;
  /** Per Canary key: summary figures and extra sections (timeline, resources, diffs …). */
  extras?: ReadonlyMap<string, { summary?: CanarySummary; sections: CanarySection[] }>;
  /** Links findings to lines, e.g. `https://github.com/o/r/blob/<sha>`; plain text when absent. */
  blobUrl?: string;
  /** What the review could not read or decide, shown right after the headline. */
  notes?: readonly string[];
  limit?: number;
}

const STATUS_WORDS: Record<CanaryChange["status"], string> = {
  added: "added",
  removed: "removed",
  modified: "changed",
  affected: "new revision",
  unreadable: "unreadable",
};

export function renderReviewComment(params: CommentParams): string {
  const { model } = params;
  const limit = params.limit ?? GITHUB_LIMITS.commentChars;
  const blocks: MarkdownBlock[] = [];
  const errors = model.canaries.filter((c) => verdictOf(c) === "error").length;
  const warnings = model.canaries.filter((c) => verdictOf(c) === "warning").length;
  const fileErrors = model.files.reduce((sum, f) => sum + countBySeverity(f.findings).error, 0);

  const headline = [
    `**${plural(model.canaries.length, "Canary", "Canaries")}** in this pull request`,
    errors > 0 ? `❌ ${errors} with errors` : undefined,
    warnings > 0 ? `⚠️ ${warnings} with warnings` : undefined,
    errors === 0 && warnings === 0 && fileErrors === 0 ? "✅ no problems found" : undefined,
    fileErrors > 0 ? `❌ ${plural(fileErrors, "error")} in other manifests` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  blocks.push({ text: `${REVIEW_MARKER}\n### 🐤 canary-bot review\n\n${headline}`, required: true, priority: 0, label: "header" });
  for (const note of params.notes ?? []) blocks.push({ text: `> [!NOTE]\n> ${sanitize(note)}`, required: true, priority: 0, label: "note" });

  // The summary table is required up to a size; beyond that its rows compete like any block,
  // errors first, so that a PR changing 500 Canaries still shows the ones that need attention.
  const ordered = [...model.canaries].sort((a, b) => rankVerdict(verdictOf(a)) - rankVerdict(verdictOf(b)));
  const header = table({ headers: ["Canary", "Verdict", "Strategy", "Promotes in", "Worst-case rollback", "Policy changes"], rows: [] });
  blocks.push({ text: header, required: true, priority: 0, label: "summary table" });
  ordered.forEach((change, index) => {
    const summary = params.extras?.get(change.key)?.summary;
    blocks.push({
      text: table({ headers: [], rows: [summaryRow(change, summary)] }).split("\n").slice(2).join("\n"),
      required: index < 20,
      // Every summary row comes before any section: the table is the overview of the whole PR.
      priority: verdictOf(change) === "error" || verdictOf(change) === "warning" ? 1 : 2,
      label: `summary row of ${change.key}`,
      tight: true,
    });
  });

  const nextSteps = ordered.flatMap((change) => nextStep(change));
  if (nextSteps.length > 0) {
    blocks.push({ text: `**Next steps**\n${nextSteps.slice(0, 30).join("\n")}${nextSteps.length > 30 ? `\n- … and ${nextSteps.length - 30} more` : ""}`, required: true, priority: 0, label: "next steps" });
  }

  for (const file of model.files) {
    blocks.push({
      text: details({ summary: `Other findings in ${code(file.path)} (${describeCounts(file.findings)})`, body: renderFindingsTable({ findings: file.findings, file: file.path, blobUrl: params.blobUrl }) }),
      priority: 2,
      label: `findings of ${file.path}`,
    });
  }

  for (const change of model.canaries) {
    const findings = change.head?.findings ?? [];
    // Only a pod template or tracked config change is a new revision (review/review.ts, newRevision).
    const status = change.status === "affected" && !change.newRevision ? "references changed" : `${STATUS_WORDS[change.status]}${change.status === "modified" && change.newRevision ? " · new revision" : ""}`;
    const title = `#### ${code(change.key)} · ${status} · ${code(`${change.file}:${change.line}`)}`;
    const intro: string[] = [title];
    if (change.affectedBy.length > 0) intro.push(`Rolls out because ${change.affectedBy.map((d) => sanitize(d)).join("; ")}.`);
    if (change.movedFrom !== undefined) intro.push(`Moved from ${code(change.movedFrom)}.`);
    const otherChanges = change.analysisChanges.filter((c) => c !== CANARY_ITSELF_CHANGED);
    if (otherChanges.length > 0) {
      const what = otherChanges.map((d) => sanitize(d)).join("; ");
      intro.push(change.newRevision ? `The next analysis also runs with: ${what}.` : `No new revision (Flagger starts an analysis only for a pod template or tracked config change); the next analysis runs with: ${what}.`);
    }
    if (change.status === "removed") intro.push("Removed: Flagger deletes its generated objects (and reverts the Services when `revertOnDeletion` is set).");
    if (change.status === "unreadable") intro.push(`Its file could not be read at the head of this pull request, so its new version was not reviewed; see the findings of ${code(change.file)}.`);
    // The heading goes with whatever of this Canary's section survives the budget, never alone;
    // a Canary whose section has nothing else still gets it when there is room.
    const hasContent = findings.length > 0 || change.policy.length > 0 || (params.extras?.get(change.key)?.sections.length ?? 0) > 0;
    blocks.push({ text: intro.join("\n\n"), priority: 3, label: `section of ${change.key}`, group: change.key, header: hasContent });
    if (findings.length > 0) {
      blocks.push({
        text: details({
          summary: `Findings (${describeCounts(findings)})`,
          body: renderFindingsTable({ findings, file: change.file, blobUrl: params.blobUrl }),
          open: findings.some((f) => f.severity === "error"),
        }),
        priority: 3,
        label: `findings of ${change.key}`,
        group: change.key,
      });
    }
    if (change.policy.length > 0) {
      const rows = change.policy.map((p) => `- ${p.effect === "loosened" ? "⚠️ **loosened**: " : p.effect === "tightened" ? "🔒 " : ""}${sanitize(p.summary)}`);
      blocks.push({ text: details({ summary: `Policy changes (${change.policy.length})`, body: rows.join("\n"), open: change.policy.some((p) => p.effect === "loosened") }), priority: 4, label: `policy changes of ${change.key}`, group: change.key });
    }
    for (const section of params.extras?.get(change.key)?.sections ?? []) {
      blocks.push({ text: details({ summary: section.title, body: section.body }), priority: section.priority, label: section.label, group: change.key });
    }
  }

  blocks.push({
    text: "<sub>canary-bot reads Flagger v1.44 semantics. Reproduce this review offline with `canary-bot review --base REF`; re-run it from the canary/validation check.</sub>",
    priority: 9,
    label: "footer",
  });
  return fitMarkdownBlocks({ blocks, limit }).text;
}

/** The comment left in place when a pull request no longer touches any Canary. */
export function renderNoCanaryComment(): string {
  return `${REVIEW_MARKER}\n### 🐤 canary-bot review\n\nThis pull request no longer changes any Flagger Canary or anything a Canary points at, so there is nothing to review.`;
}

export type Verdict = "error" | "warning" | "ok" | "removed";

export function verdictOf(change: CanaryChange): Verdict {
  if (change.status === "unreadable") return "error";
  if (change.status === "removed") return "removed";
  const counts = countBySeverity(change.head?.findings ?? []);
  return counts.error > 0 ? "error" : counts.warning > 0 ? "warning" : "ok";
}

/** Errors first, then warnings, removed, fine: the order of the summary table. */
export function rankVerdict(verdict: Verdict): number {
  return verdict === "error" ? 0 : verdict === "warning" ? 1 : verdict === "removed" ? 2 : 3;
}

function summaryRow(change: CanaryChange, summary: CanarySummary | undefined): string[] {
  const counts = countBySeverity(change.head?.findings ?? []);
  const verdict = verdictOf(change);
  const verdictText =
    change.status === "unreadable"
      ? "❌ unreadable"
      : verdict === "error"
      ? `❌ ${plural(counts.error, "error")}`
      : verdict === "warning"
        ? `⚠️ ${plural(counts.warning, "warning")}`
        : verdict === "removed"
          ? "🗑️ removed"
          : "✅ valid";
  const loosened = change.policy.filter((p) => p.effect === "loosened").length;
  const policy = change.policy.length === 0 ? "none" : `${change.policy.length}${loosened > 0 ? ` (⚠️ ${loosened} loosened)` : ""}`;
  return [code(change.key), verdictText, sanitize(summary?.strategy ?? "–"), sanitize(summary?.promotesIn ?? "–"), sanitize(summary?.worstCaseRollback ?? "–"), policy];
}

function nextStep(change: CanaryChange): string[] {
  const counts = countBySeverity(change.head?.findings ?? []);
  const loosened = change.policy.filter((p) => p.effect === "loosened");
  const steps: string[] = [];
  if (change.status === "unreadable") steps.push(`- ${code(change.key)}: fix ${code(change.file)} so that it can be read; its Canary was not reviewed.`);
  if (counts.error > 0) steps.push(`- ${code(change.key)}: fix ${plural(counts.error, "error")} before merging; Flagger would reject, stall or roll back this Canary.`);
  if (loosened.length > 0) steps.push(`- ${code(change.key)}: confirm the loosened safety settings (${loosened.map((p) => code(p.field)).join(", ")}) are intended.`);
  return steps;
}

function describeCounts(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  return [counts.error ? plural(counts.error, "error") : "", counts.warning ? plural(counts.warning, "warning") : "", counts.notice ? plural(counts.notice, "notice") : ""]
    .filter(Boolean)
    .join(", ");
}

const SEVERITY_ICON: Record<Finding["severity"], string> = { error: "❌", warning: "⚠️", notice: "ℹ️" };

export function renderFindingsTable(params: { findings: readonly Finding[]; file: string; blobUrl?: string }): string {
  const rows = params.findings.map((f) => {
    // A finding on a field a kustomize patch sets is on the patch's line (src/build/render.ts).
    const file = f.file ?? params.file;
    const line = f.file !== undefined && f.file !== params.file ? `${sanitize(f.file)}:${f.line}` : `${f.line}`;
    const location = params.blobUrl ? `[${line}](${params.blobUrl}/${encodePath(file)}#L${f.line})` : line;
    return [`${SEVERITY_ICON[f.severity]} ${f.severity}`, location, code(f.code), sanitize(f.message)];
  });
  return table({ headers: ["", "Line", "Code", "Finding"], rows });
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
