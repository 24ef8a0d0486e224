/**
 * The comment for a pull request that changes 500 Canaries: it fits GitHub's 65,536-character
 * limit with our 60,000 budget, says what it left out, and stays well-formed Markdown with valid
 * Mermaid (issue #4's size requirement).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRepository } from "../../bench/repository.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { GITHUB_LIMITS } from "../../src/limits.js";
import { reviewChanges } from "../../src/review/index.js";
import { findMarkdownProblems } from "../support/gfm.js";
import { extractMermaidBlocks, openMermaidChecker } from "../support/mermaid.js";

function reviewGenerated(count: number) {
  const base = generateRepository(count);
  const head = generateRepository(count, { image: "ghcr.io/stefanprodan/podinfo:6.8.0", maxWeight: 60 });
  const changedPaths = Object.keys(head).filter((p) => base[p] !== head[p]);
  const parse = (files: Record<string, string>) => Object.entries(files).map(([path, content]) => parseManifestFile({ path, content }));
  return reviewChanges({ base: parse(base), head: parse(head), changedPaths, settings: DEFAULT_CONTROLLER_SETTINGS });
}

describe("a pull request that changes 500 Canaries", () => {
  const review = reviewGenerated(500);
  const few = reviewGenerated(12);

  let checker: Awaited<ReturnType<typeof openMermaidChecker>>;
  beforeAll(async () => {
    checker = await openMermaidChecker();
  });
  afterAll(() => checker?.close());

  it("reviews every changed Canary and fits the budget, saying what was left out", () => {
    expect(review.model.canaries).toHaveLength(500);
    expect(review.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(review.comment.length).toBeGreaterThan(GITHUB_LIMITS.commentChars * 0.8);
    expect(review.comment).toMatch(/left out/i);
    // Sections are built for the Canaries that need attention first, and the comment says so.
    expect(review.comment).toContain("Timelines and generated resources are shown for 40 of the 500 Canaries (errors and warnings first)");
    expect(few.comment).not.toContain("Timelines and generated resources are shown for");
  });

  it("keeps the summary table, headings only with content under them, and well-formed Markdown", () => {
    expect(findMarkdownProblems(review.comment)).toEqual([]);
    // No "#### canary" heading directly followed by another heading: a heading never stands alone.
    expect(review.comment).not.toMatch(/^#### .*\n\n#### /m);
    expect((review.comment.match(/^\| `apps\/app-/gm) ?? []).length).toBeGreaterThan(300);
  });

  it("with a dozen Canaries, keeps their timelines, and every picture renders in Mermaid", async () => {
    expect(few.comment.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(findMarkdownProblems(few.comment)).toEqual([]);
    const diagrams = extractMermaidBlocks(few.comment);
    expect(diagrams.length).toBeGreaterThan(0);
    expect((await checker.check(diagrams)).filter((r) => !r.ok)).toEqual([]);
  });
});
