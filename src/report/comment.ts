/**
 * The sticky pull request comment, written for the reviewer who reads it top-down and stops early:
 *
 * 1. one sentence that says whether the pull request is safe to merge and what to do, with a link
 *    to the check run;
 * 2. one compact table: the Canaries that need attention, then the valid ones collapsed;
 * 3. one collapsed <details> per Canary with its verdict in the <summary>: findings (codes linked to
 *    docs/rules.md), policy changes, routing diff, timeline.
 *
 * The size budget serves that reader (docs/comment.md): Canaries are ranked errors, warnings,
 * loosened policy, the rest, and their parts are added tier by tier (findings and policy of every
 * Canary before any routing diff, diffs before timelines …), each tier in rank order and stopping at
 * the first part that does not fit, so a valid Canary's part is never shown while an error's part
 * of the same tier is left out. What is left out goes to the check run's text, and is said once,
 * grouped, at the top. Deterministic: the same review renders the same bytes.
 */
import { countBySeverity, type Finding } from "../canary/findings.js";
import { GITHUB_LIMITS, REPORT_LIMITS } from "../limits.js";
import { details, plural, table } from "../markdown/blocks.js";
import { codeSpan, escapeHtml, escapeText, htmlCode } from "../markdown/escape.js";
import { linkFlaggerSources } from "../markdown/flagger-source.js";
import { CANARY_ITSELF_CHANGED, type CanaryChange, type ReviewModel } from "../review/review.js";
import { FINDING_CODES } from "../validate/codes.js";
import { truncateMarkdown } from "./budget.js";
import { ruleUrl } from "./links.js";

/** Finds our comment among a pull request's comments (STYLE.md §6). */
export const REVIEW_MARKER = "<!-- canary-bot:review -->";

/** What a section of a Canary is; the budget adds them in this order of tiers (see PART_TIERS). */
export type SectionKind = "diff" | "timeline" | "queries" | "created" | "resources";

/** A part of one Canary's review, contributed by the timeline and routing layers (review/extras.ts). */
export interface CanarySection {
  kind: SectionKind;
  /** Plain text; the renderer escapes it. */
  title: string;
  /** Markdown, its repository text already escaped (src/markdown/escape.ts). */
  body: string;
  /** Names the section where it is left out, e.g. "timeline of test/podinfo". */
  label: string;
}

export interface CanarySummary {
  /** Short strategy description, e.g. "canary: 10% steps up to 50%". */
  strategy?: string;
  /** e.g. "8m" or "never (stalls at tick 3)". */
  promotesIn?: string;
  /** e.g. "9m". */
  worstCaseRollback?: string;
  /** The same figures for the base branch's version, when it had one. */
  basePromotesIn?: string;
  baseWorstCaseRollback?: string;
  /** Set when the API server would reject the head version: why there is no timeline. */
  rejected?: string;
}

export interface CanaryExtrasView {
  summary?: CanarySummary;
  sections: CanarySection[];
  /** True when the sections were not computed for this Canary (REVIEW_LIMITS.canariesWithSections). */
  sectionsSkipped?: boolean;
}

export interface CommentParams {
  model: ReviewModel;
  /** Per Canary key: summary figures and extra sections (timeline, diffs, generated objects …). */
  extras?: ReadonlyMap<string, CanaryExtrasView>;
  /** Links findings to lines, e.g. `https://github.com/o/r/blob/<sha>`; plain text when absent. */
  blobUrl?: string;
  /** The `canary/validation` check run on GitHub; named without a link when absent. */
  checkRunUrl?: string;
  /** Base URL of the docs finding codes link to (default: src/report/links.ts). */
  docsUrl?: string;
  /** What the review could not read or decide, shown right after the verdict. */
  notes?: readonly string[];
  limit?: number;
  /** Size of the check run's text, for what the comment leaves out. */
  checkTextLimit?: number;
}

export interface RenderedReview {
  comment: string;
  /** Markdown for the check run's `output.text`: what the comment left out, then the full objects. */
  checkText: string;
}

const STATUS_WORDS: Record<CanaryChange["status"], string> = {
  added: "new",
  removed: "removed",
  modified: "changed",
  affected: "new revision",
  unreadable: "unreadable",
};

/** Only a pod template or tracked config change is a new revision (review/review.ts, newRevision). */
function statusWords(change: CanaryChange): string {
  if (change.status === "affected" && !change.newRevision) return "references changed";
  return `${STATUS_WORDS[change.status]}${change.status === "modified" && change.newRevision ? " · new revision" : ""}`;
}

/** The kinds of part a Canary's section has, in the order they are shown. */
type PartKind = "findings" | "policy" | SectionKind;

/** Tiers of the budget: every Canary's parts of one tier come before any part of the next. */
const PART_TIERS: ReadonlyArray<readonly PartKind[]> = [["findings", "policy"], ["diff"], ["timeline"], ["queries", "created"]];

const PART_NAMES: Record<PartKind, string> = {
  findings: "findings",
  policy: "policy changes",
  diff: "routing diffs",
  timeline: "timelines",
  queries: "metric queries",
  created: "lists of what Flagger will create",
  resources: "generated objects",
};

interface Part {
  kind: PartKind;
  text: string;
  label: string;
}

interface CanaryView {
  change: CanaryChange;
  extras: CanaryExtrasView | undefined;
  open: string;
  close: string;
  parts: Part[];
}

const SEPARATOR = "\n\n";

export function renderReviewComment(params: CommentParams): string {
  return renderReview(params).comment;
}

export function renderReview(params: CommentParams): RenderedReview {
  const { model } = params;
  const limit = params.limit ?? GITHUB_LIMITS.commentChars;
  const ranked = [...model.canaries].sort((a, b) => rankForReader(a) - rankForReader(b));
  const views = ranked.map((change) => buildView(change, params));

  const head = [`${REVIEW_MARKER}\n### 🐤 canary-bot review`, renderVerdictSentence(params)];
  for (const note of params.notes ?? []) head.push(`> [!NOTE]\n> ${escapeText(note)}`);
  const tables = renderSummaryTables(ranked, params);
  const fileFindings = model.files.map((file) =>
    details({
      summary: `${countBySeverity(file.findings).error > 0 ? "❌" : "⚠️"} Other findings in ${htmlCode(file.path)} (${describeCounts(file.findings)})`,
      body: renderFindingsTable({ findings: file.findings, file: file.path, blobUrl: params.blobUrl, docsUrl: params.docsUrl }),
    }),
  );
  const footer = "<sub>canary-bot reads Flagger v1.44 semantics. Reproduce this review offline with `canary-bot review --base REF`.</sub>";

  const fixed = [...head, tables, ...fileFindings, footer].join(SEPARATOR).length + SEPARATOR.length * 2;
  let budget = limit - fixed - REPORT_LIMITS.omissionNoteChars;

  // Tier by tier, in rank order; a tier stops at the first part that does not fit.
  const chosen = new Map<CanaryView, Set<PartKind>>();
  PART_TIERS.forEach((tier, tierIndex) => {
    for (const view of views) {
      const parts = view.parts.filter((p) => tier.includes(p.kind));
      const shown = chosen.get(view);
      if (tierIndex > 0 && !shown) break;
      if (tierIndex > 0 && parts.length === 0) continue;
      const shell = shown ? 0 : view.open.length + view.close.length + SEPARATOR.length;
      const cost = shell + parts.reduce((sum, p) => sum + p.text.length + SEPARATOR.length, 0);
      if (cost > budget) break;
      budget -= cost;
      const set = shown ?? new Set<PartKind>();
      for (const p of parts) set.add(p.kind);
      chosen.set(view, set);
    }
  });

  const sections = views.flatMap((view) => {
    const kinds = chosen.get(view);
    if (!kinds) return [];
    const parts = view.parts.filter((p) => kinds.has(p.kind)).map((p) => p.text);
    return [[view.open, ...parts].join(SEPARATOR) + view.close];
  });

  // What the comment leaves out goes to the check run's text, in the same order, then the objects.
  const omitted = views.flatMap((view) => view.parts.filter((p) => p.kind !== "resources" && !chosen.get(view)?.has(p.kind)).map((part) => ({ view, part })));
  const check = renderCheckText({ views, omitted, limit: params.checkTextLimit ?? GITHUB_LIMITS.checkOutputChars });
  const note = renderOmissionNote({ views, shown: new Set(chosen.keys()), omitted, inCheck: check.carried, checkRunUrl: params.checkRunUrl, tableRowsLeftOut: ranked.length - Math.min(ranked.length, REPORT_LIMITS.summaryRows) });

  const comment = [...head, ...(note ? [note] : []), tables, ...fileFindings, ...sections, footer].join(SEPARATOR);
  // Only required text (many notes, a huge file list) can still be too long: cut it, closing blocks.
  return { comment: comment.length <= limit ? comment : truncateMarkdown({ text: comment, limit }), checkText: check.text };
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

/** The reader's order: errors, warnings, loosened safety settings, removed, the rest. */
export function rankForReader(change: CanaryChange): number {
  const verdict = verdictOf(change);
  if (verdict === "error") return 0;
  if (verdict === "warning") return 1;
  if (loosened(change) > 0) return 2;
  return verdict === "removed" ? 3 : 4;
}

/** Loosened safety settings that would take effect: none when the API server rejects the head. */
function loosened(change: CanaryChange): number {
  if (findApiServerRejection(change.head?.findings ?? [])) return 0;
  return change.policy.filter((p) => p.effect === "loosened").length;
}

const API_OBJECT_CODES = new Set(["CANARY_API_VERSION", "METADATA_NAME_MISSING", "METADATA_NAME_INVALID"]);

/**
 * Why the API server would refuse this version of a Canary, or undefined when it accepts it: a
 * finding of the CRD's schema layer with severity error, or an object Kubernetes cannot name. Then
 * nothing reaches Flagger: no rollout to simulate, nothing generated, no policy that takes effect.
 */
export function findApiServerRejection(findings: readonly Finding[]): string | undefined {
  const rejecting = findings.filter((f) => f.severity === "error" && (FINDING_CODES[f.code as keyof typeof FINDING_CODES]?.layer === "schema" || API_OBJECT_CODES.has(f.code)));
  if (rejecting.length === 0) return undefined;
  const first = rejecting[0]!;
  const more = rejecting.length > 1 ? ` and ${plural(rejecting.length - 1, "other error")} like it` : "";
  return `the API server would reject this version of the Canary (${first.code}${first.path ? ` at ${first.path}` : ""}, line ${first.line}${more}), so Flagger never sees it: there is no rollout, no timeline and nothing generated until it is fixed.`;
}

function renderVerdictSentence(params: CommentParams): string {
  const canaries = params.model.canaries;
  const total = canaries.length;
  const errors = canaries.filter((c) => verdictOf(c) === "error").length;
  const warnings = canaries.filter((c) => verdictOf(c) === "warning").length;
  const loosening = canaries.filter((c) => loosened(c) > 0).length;
  const fileErrors = params.model.files.filter((f) => countBySeverity(f.findings).error > 0).length;
  // "The Canary has", "All 3 Canaries have", "1 of 14 Canaries has", "3 of 14 Canaries have".
  const subject = (n: number, start = true) => (total === 1 ? `${start ? "The" : "the"} Canary` : n === total ? `${start ? "All" : "all"} ${total} Canaries` : `${n} of ${total} Canaries`);
  const verb = (n: number, one: string, many: string) => (total === 1 || n === 1 ? one : many);
  const loose = loosening > 0 ? `; ${loosening === total ? (total === 1 ? "it" : "all") : loosening} ${verb(loosening, "loosens", "loosen")} safety settings — confirm that is intended` : "";
  let sentence: string;
  if (errors > 0 || fileErrors > 0) {
    const lead = errors > 0 ? `**${subject(errors)} ${verb(errors, "has", "have")} errors** that Flagger would reject, stall on or roll back` : "";
    const others = fileErrors > 0 ? `${errors > 0 ? ", and " : ""}**${plural(fileErrors, "other manifest")} ${fileErrors === 1 ? "has" : "have"} errors**` : "";
    sentence = `❌ ${lead}${others} — fix ${errors + fileErrors === 1 ? "it" : "them"} before merging${loose}.`;
  } else if (warnings > 0) {
    sentence = `⚠️ No errors, but **${subject(warnings, false)} ${verb(warnings, "has", "have")} warnings** — read them before merging${loose}.`;
  } else if (loosening > 0) {
    sentence = `⚠️ No errors or warnings, but **${subject(loosening, false)} ${verb(loosening, "loosens", "loosen")} safety settings** — confirm that is intended before merging.`;
  } else {
    sentence = `✅ ${total === 1 ? "The Canary is" : `All ${total} Canaries are`} valid and loosen${total === 1 ? "s" : ""} no safety setting — safe to merge as far as Flagger is concerned.`;
  }
  const check = params.checkRunUrl ? `[canary/validation check run](${params.checkRunUrl})` : "`canary/validation` check run";
  const anyFinding = canaries.some((c) => (c.head?.findings.length ?? 0) > 0) || params.model.files.length > 0;
  return anyFinding ? `${sentence} Every finding is also annotated on its line in the ${check}.` : `${sentence} Details: the ${check}.`;
}

function renderSummaryTables(ranked: readonly CanaryChange[], params: CommentParams): string {
  const shown = ranked.slice(0, REPORT_LIMITS.summaryRows);
  const attention = shown.filter((c) => rankForReader(c) <= 3);
  const rest = shown.filter((c) => rankForReader(c) > 3);
  const headers = ["Canary", "Verdict", "Promotes in", "Worst-case rollback", "Policy"];
  const row = (c: CanaryChange) => summaryRow(c, params.extras?.get(c.key)?.summary);
  const parts: string[] = [];
  if (attention.length > 0) parts.push(table({ headers, rows: attention.map(row) }));
  if (rest.length > 0) {
    const title = `${plural(rest.length, "Canary is", "Canaries are")} valid${rest.length === ranked.length ? "" : " and loosen nothing"}`;
    parts.push(attention.length === 0 && rest.length <= 3 ? table({ headers, rows: rest.map(row) }) : details({ summary: `✅ ${title}`, body: table({ headers, rows: rest.map(row) }) }));
  }
  const left = ranked.length - shown.length;
  if (left > 0) parts.push(`${plural(left, "more Canary", "more Canaries")} (valid ones last) are listed in the check run's summary.`);
  return parts.join(SEPARATOR);
}

const VERDICT_ICON: Record<Verdict, string> = { error: "❌", warning: "⚠️", removed: "🗑️", ok: "✅" };

function verdictWords(change: CanaryChange): string {
  const counts = countBySeverity(change.head?.findings ?? []);
  if (change.status === "unreadable") return "unreadable";
  if (change.status === "removed") return "removed";
  return [counts.error ? plural(counts.error, "error") : "", counts.warning ? plural(counts.warning, "warning") : ""].filter(Boolean).join(", ") || "valid";
}

function summaryRow(change: CanaryChange, summary: CanarySummary | undefined): string[] {
  const verdict = verdictOf(change);
  const withBase = (now: string | undefined, before: string | undefined) => (now === undefined ? "–" : before !== undefined && before !== now ? `${escapeText(now)} (was ${escapeText(before)})` : escapeText(now));
  const promotes = summary?.rejected ? "– (rejected)" : withBase(summary?.promotesIn, summary?.basePromotesIn);
  const rollback = summary?.rejected ? "–" : withBase(summary?.worstCaseRollback, summary?.baseWorstCaseRollback);
  const n = loosened(change);
  const policy = change.policy.length === 0 || summary?.rejected ? "–" : n > 0 ? `⚠️ ${n} loosened${change.policy.length > n ? `, ${change.policy.length - n} other` : ""}` : plural(change.policy.length, "change");
  return [codeSpan(change.key), `${VERDICT_ICON[verdict]} ${verdictWords(change)}`, promotes, rollback, policy];
}

function buildView(change: CanaryChange, params: CommentParams): CanaryView {
  const extras = params.extras?.get(change.key);
  const findings = change.head?.findings ?? [];
  const verdict = verdictOf(change);
  const summaryText = [`${VERDICT_ICON[verdict]} ${htmlCode(change.key)}`, escapeHtml(verdictWords(change)), statusWords(change), ...(loosened(change) > 0 ? ["⚠️ loosens safety settings"] : [])].join(" · ");
  // A link's label is our own text only: repository text there is read differently by parsers.
  const location = `${codeSpan(change.file)} ${params.blobUrl ? `[line ${change.line}](${params.blobUrl}/${encodePath(change.file)}#L${change.line})` : `line ${change.line}`}`;
  const intro = [`${STATUS_WORDS[change.status] === "new" ? "Added in" : "In"} ${location}${extras?.summary?.strategy ? ` · ${escapeText(extras.summary.strategy)}` : ""}`];
  if (change.affectedBy.length > 0) intro.push(`Rolls out because ${change.affectedBy.map((d) => escapeText(d)).join("; ")}.`);
  if (change.movedFrom !== undefined) intro.push(`Moved from ${codeSpan(change.movedFrom)}.`);
  const otherChanges = change.analysisChanges.filter((c) => c !== CANARY_ITSELF_CHANGED).map((d) => escapeText(d));
  if (otherChanges.length > 0) {
    intro.push(
      change.newRevision
        ? `The next analysis also runs with: ${otherChanges.join("; ")}.`
        : `No new revision (Flagger starts an analysis only for a pod template or tracked config change); the next analysis runs with: ${otherChanges.join("; ")}.`,
    );
  }
  if (change.status === "removed") intro.push("Removed: Flagger deletes its generated objects (and reverts the Services when `revertOnDeletion` is set).");
  if (change.status === "unreadable") intro.push(`Its file could not be read at the head of this pull request, so its new version was not reviewed; see the findings of ${codeSpan(change.file)}.`);
  const open = `<details>\n<summary>${summaryText}</summary>\n\n${intro.join(SEPARATOR)}`;

  const parts: Part[] = [];
  if (findings.length > 0) {
    parts.push({ kind: "findings", label: `findings of ${change.key}`, text: `**Findings** (${describeCounts(findings)})\n\n${renderFindingsTable({ findings, file: change.file, blobUrl: params.blobUrl, docsUrl: params.docsUrl })}` });
  }
  if (extras?.summary?.rejected) {
    parts.push({ kind: "policy", label: `policy changes of ${change.key}`, text: `**No rollout**: ${escapeText(extras.summary.rejected)}` });
  } else if (change.policy.length > 0) {
    const sorted = [...change.policy].sort((a, b) => effectRank(a.effect) - effectRank(b.effect));
    const rows = sorted.map((p) => `- ${p.effect === "loosened" ? "⚠️ **loosened**: " : p.effect === "tightened" ? "🔒 " : ""}${escapeText(p.summary)}`);
    parts.push({ kind: "policy", label: `policy changes of ${change.key}`, text: `**Policy changes**\n\n${rows.join("\n")}` });
  }
  for (const section of extras?.sections ?? []) {
    const text =
      section.kind === "diff" || section.kind === "timeline"
        ? `**${escapeText(section.title)}**\n\n${section.body}`
        : details({ summary: escapeHtml(section.title), body: section.body });
    parts.push({ kind: section.kind, label: section.label, text });
  }
  return { change, extras, open, close: "\n\n</details>", parts };
}

function effectRank(effect: string): number {
  return effect === "loosened" ? 0 : effect === "tightened" ? 2 : 1;
}

/** The check run's text: the parts the comment left out, then every Canary's generated objects. */
function renderCheckText(params: { views: readonly CanaryView[]; omitted: ReadonlyArray<{ view: CanaryView; part: Part }>; limit: number }): { text: string; carried: Set<Part> } {
  const carried = new Set<Part>();
  const blocks: string[] = [];
  // Room for the closing line that says what did not fit.
  let budget = params.limit - 400;
  const add = (heading: string, part: Part) => {
    const text = `${heading}\n\n${part.text}`;
    if (text.length + SEPARATOR.length > budget) return false;
    budget -= text.length + SEPARATOR.length;
    blocks.push(text);
    carried.add(part);
    return true;
  };
  let complete = true;
  for (const { view, part } of params.omitted) {
    if (!add(`### ${codeSpan(view.change.key)}: ${PART_NAMES[part.kind]}`, part)) {
      complete = false;
      break;
    }
  }
  if (complete) {
    for (const view of params.views) {
      const resources = view.parts.find((p) => p.kind === "resources");
      if (resources && !add(`### ${codeSpan(view.change.key)}: ${PART_NAMES.resources}`, resources)) {
        complete = false;
        break;
      }
    }
  }
  if (!complete) blocks.push("> [!NOTE]\n> The rest did not fit in a check run's 65,535 characters: `canary-bot validate`, `canary-bot timeline` and `canary-bot generate` print everything about a Canary's file.");
  return { text: blocks.join(SEPARATOR), carried };
}

/** One note, at the top, grouped by kind: what is not in the comment and where it is. */
function renderOmissionNote(params: {
  views: readonly CanaryView[];
  shown: ReadonlySet<CanaryView>;
  omitted: ReadonlyArray<{ view: CanaryView; part: Part }>;
  inCheck: ReadonlySet<Part>;
  checkRunUrl?: string;
  tableRowsLeftOut: number;
}): string {
  const skipped = params.views.filter((v) => v.extras?.sectionsSkipped).length;
  if (params.omitted.length === 0 && skipped === 0 && params.tableRowsLeftOut === 0) return "";
  const byKind = new Map<PartKind, { all: number; inCheck: number }>();
  const noSection = params.views.filter((v) => !params.shown.has(v));
  for (const { part } of params.omitted) {
    const entry = byKind.get(part.kind) ?? { all: 0, inCheck: 0 };
    entry.all += 1;
    if (params.inCheck.has(part)) entry.inCheck += 1;
    byKind.set(part.kind, entry);
  }
  const check = params.checkRunUrl ? `[check run's details](${params.checkRunUrl})` : "`canary/validation` check run's details";
  const lines: string[] = [];
  if (byKind.size > 0) {
    const order: PartKind[] = PART_TIERS.flat();
    const groups = [...byKind.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([kind, n]) => `${PART_NAMES[kind]} of ${plural(n.all, "Canary", "Canaries")}`);
    const carried = [...byKind.values()].every((n) => n.inCheck === n.all);
    lines.push(`**Not in this comment** (GitHub allows 65,536 characters): ${groups.join("; ")}.`);
    if (noSection.length > 0) {
      const names = noSection.slice(0, REPORT_LIMITS.omissionNoteNames).map((v) => codeSpan(shorten(v.change.key)));
      lines.push(`${plural(noSection.length, "Canary has", "Canaries have")} no section here: ${names.join(", ")}${noSection.length > names.length ? ` and ${noSection.length - names.length} more` : ""}.`);
    }
    lines.push(
      carried
        ? `All of it is in the ${check}.`
        : `The ${check} carries the first of them, in the same order, up to its 65,535 characters; for the rest, \`canary-bot validate\`, \`canary-bot timeline\` and \`canary-bot generate\` print everything about a Canary's file.`,
    );
  }
  if (skipped > 0) {
    lines.push(`Timelines and routing diffs were computed for the first ${params.views.length - skipped} Canaries in this order, not for the other ${skipped}: \`canary-bot timeline\` and \`canary-bot generate\` on their files print them.`);
  }
  if (params.tableRowsLeftOut > 0 && byKind.size === 0) lines.push(`The table lists the first ${REPORT_LIMITS.summaryRows} Canaries; the check run's summary lists all.`);
  return `> [!NOTE]\n${lines.map((l) => `> ${l}`).join("\n>\n")}`;
}

/** Names in the note are cut so that the note has a bounded size (REPORT_LIMITS.omissionNoteChars). */
function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function describeCounts(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  return [counts.error ? plural(counts.error, "error") : "", counts.warning ? plural(counts.warning, "warning") : "", counts.notice ? plural(counts.notice, "notice") : ""]
    .filter(Boolean)
    .join(", ");
}

const SEVERITY_ICON: Record<Finding["severity"], string> = { error: "❌", warning: "⚠️", notice: "ℹ️" };

export function renderFindingsTable(params: { findings: readonly Finding[]; file: string; blobUrl?: string; docsUrl?: string }): string {
  const rows = params.findings.map((f) => {
    // A finding on a field a kustomize patch sets is on the patch's line (src/build/render.ts). A
    // link's label is our own text only: the patch's path stands outside it.
    const file = f.file ?? params.file;
    const elsewhere = f.file !== undefined && f.file !== params.file ? `${codeSpan(f.file)} ` : "";
    const location = `${elsewhere}${params.blobUrl ? `[${f.line}](${params.blobUrl}/${encodePath(file)}#L${f.line})` : `${f.line}`}`;
    return [SEVERITY_ICON[f.severity], location, `[${codeSpan(f.code)}](${ruleUrl(f.code, params.docsUrl)})`, linkFlaggerSources(escapeText(f.message))];
  });
  return table({ headers: ["", "Line", "Code", "Finding"], rows });
}

/** A path in a link's destination: parentheses too, which would end a Markdown link. */
function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/\(/g, "%28").replace(/\)/g, "%29"))
    .join("/");
}
