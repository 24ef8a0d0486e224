/**
 * The comment for big pull requests: it fits GitHub's limit, puts the Canaries with errors first and
 * never drops an error's findings while a valid Canary's section is shown, says once what it left
 * out and where that is, and stays well-formed Markdown with valid Mermaid.
 */
import { describe, expect, it } from "vitest";
import { GITHUB_LIMITS, REPORT_LIMITS } from "../../src/limits.js";
import { escapeText } from "../../src/markdown/escape.js";
import { linkFlaggerSources } from "../../src/markdown/flagger-source.js";
import { findMarkdownProblems, findRenderedProblems } from "../support/gfm.js";
import { extractMermaidBlocks, openMermaidChecker } from "../support/mermaid.js";
import { BLOB_URL, CHECK_RUN_URL, reviewGenerated } from "./generated.js";

const LINKS = [BLOB_URL, CHECK_RUN_URL, "https://github.com/canary-bot/canary-bot/blob/main/docs/", "https://github.com/fluxcd/flagger/"];
/** The 20 broken Canaries sit at the end of the document order, so only the ranking can bring them up. */
const ERRORS = Array.from({ length: 20 }, (_, i) => 99 - i * 2);

/** The <details> section of one Canary, from its <summary> to the next Canary's. */
function sectionOf(comment: string, key: string): string | undefined {
  const start = comment.indexOf(`<summary>❌ <code>${key}</code>`);
  if (start < 0) return undefined;
  const next = comment.indexOf("\n<details>\n<summary>", start);
  return comment.slice(start, next < 0 ? undefined : next);
}

describe("a pull request that changes 100 Canaries, 20 of them with errors", () => {
  const review = reviewGenerated(100, { errors: ERRORS });
  const errorCanaries = review.model.canaries.filter((c) => c.head?.findings.some((f) => f.severity === "error"));

  it("starts with the verdict and the Canaries with errors", () => {
    expect(errorCanaries).toHaveLength(20);
    expect(review.comment).toContain("❌ **20 of 100 Canaries have errors** that Flagger would reject, stall on or roll back — fix them before merging");
    expect(review.comment).toContain(`[canary/validation check run](${CHECK_RUN_URL})`);
    const firstRows = review.comment.split("\n").filter((l) => l.startsWith("| `apps/")).slice(0, 20);
    expect(firstRows.every((row) => row.includes("❌"))).toBe(true);
  });

  it("shows every finding of every Canary with errors, each in its own section", () => {
    expect(review.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    for (const change of errorCanaries) {
      const section = sectionOf(review.comment, change.key);
      expect(section, change.key).toBeDefined();
      for (const finding of change.head!.findings) expect(section).toContain(linkFlaggerSources(escapeText(finding.message)));
    }
  });

  it("gives a Canary the API server rejects no rollout time, and says why", () => {
    const rejected = errorCanaries.find((c) => c.head!.findings.some((f) => f.code === "SCHEMA_PATTERN"))!;
    const row = review.comment.split("\n").find((l) => l.startsWith(`| \`${rejected.key}\` |`))!;
    expect(row).toContain("| – (rejected) | – |");
    const section = sectionOf(review.comment, rejected.key)!;
    expect(section).toContain(`**No rollout**: ${escapeText("the API server would reject this version of the Canary (SCHEMA_PATTERN at spec.analysis.interval")}`);
    expect(section).not.toContain("Rollout timeline");
    expect(section).not.toContain("interval changed from 1m to (unset)");
  });

  it("is well-formed and injects nothing", () => {
    expect(findMarkdownProblems(review.comment)).toEqual([]);
    expect(findRenderedProblems(review.comment, { linkPrefixes: LINKS })).toEqual([]);
  });
});

describe("a pull request that changes 14 Canaries, 3 of them with errors", () => {
  const review = reviewGenerated(14, { errors: [3, 8, 12] });

  it("says how many would fail, and collapses the valid ones into one section", () => {
    expect(review.comment).toContain("❌ **3 of 14 Canaries have errors** that Flagger would reject, stall on or roll back — fix them before merging;");
    expect(review.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(findMarkdownProblems(review.comment)).toEqual([]);
    expect(findRenderedProblems(review.comment, { linkPrefixes: LINKS })).toEqual([]);
  });

  it("draws pictures that Mermaid renders", async () => {
    const checker = await openMermaidChecker();
    try {
      const diagrams = extractMermaidBlocks(review.comment);
      expect(diagrams.length).toBeGreaterThan(0);
      expect((await checker.check(diagrams)).filter((r) => !r.ok)).toEqual([]);
    } finally {
      await checker.close();
    }
  });
});

describe("a pull request that changes 500 Canaries", () => {
  const review = reviewGenerated(500, { errors: [499, 250] });

  it("fits the budget, says once what it left out and where, and the check run carries it", () => {
    expect(review.model.canaries).toHaveLength(500);
    expect(review.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(review.comment.length).toBeGreaterThan(GITHUB_LIMITS.commentChars * 0.7);
    expect(review.comment.match(/\*\*Not in this comment\*\*/g)).toHaveLength(1);
    // The note comes before the table, right after the verdict.
    expect(review.comment.indexOf("**Not in this comment**")).toBeLessThan(review.comment.indexOf("| Canary |"));
    expect(review.comment).toContain("Timelines and routing diffs were computed for the first 40 Canaries in this order, not for the other 460");
    expect(review.check.text.length).toBeLessThanOrEqual(GITHUB_LIMITS.checkOutputChars);
    expect(review.check.text).toMatch(/^### `apps\/app-\d+`: /m);
  });

  it("never promises what it does not show: every part the note counts is absent from the comment", () => {
    const note = /\*\*Not in this comment\*\*[^:]*: ([^\n]*)\./.exec(review.comment)![1]!;
    for (const group of note.split("; ")) {
      const [, kind, count] = /^(.*) of (\d+) Canar/.exec(group)!;
      expect(Number(count)).toBeGreaterThan(0);
      expect(["findings", "policy changes", "routing diffs", "timelines", "metric queries", "lists of what Flagger will create"]).toContain(kind);
    }
    // Sections shown are a prefix of the ranking: the two error Canaries come first.
    const summaries = [...review.comment.matchAll(/<summary>(❌|⚠️|✅|🗑️) <code>/g)].map((m) => m[1]);
    expect(summaries.slice(0, 2)).toEqual(["❌", "❌"]);
    expect(summaries.slice(2).includes("❌")).toBe(false);
  });

  it("lists a bounded number of rows and stays well-formed", () => {
    expect(review.comment.split("\n").filter((l) => l.startsWith("| `apps/")).length).toBe(REPORT_LIMITS.summaryRows);
    expect(review.comment).toContain("440 more Canaries (valid ones last) are listed in the check run's summary.");
    expect(findMarkdownProblems(review.comment)).toEqual([]);
    expect(findMarkdownProblems(review.check.text)).toEqual([]);
    expect(findRenderedProblems(review.comment, { linkPrefixes: LINKS })).toEqual([]);
  });
});
