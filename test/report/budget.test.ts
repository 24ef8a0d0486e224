import { describe, expect, it } from "vitest";
import { closeOpenBlocks, fitMarkdownBlocks, truncateMarkdown } from "../../src/report/budget.js";
import { details, codeBlock } from "../../src/report/markdown.js";
import { findMarkdownProblems } from "../support/gfm.js";

const big = (label: string, size: number) => details({ summary: label, body: codeBlock("yaml", "x: 1\n".repeat(size / 5)) });

describe("fitMarkdownBlocks", () => {
  it("keeps everything, in order, when it fits", () => {
    const out = fitMarkdownBlocks({ blocks: [{ text: "a", priority: 1, label: "A" }, { text: "b", priority: 0, label: "B" }], limit: 100 });
    expect(out).toEqual({ text: "a\n\nb", omitted: [], truncated: false });
  });

  it("leaves out the least important whole blocks and says which", () => {
    const blocks = [
      { text: "# head", required: true, priority: 0, label: "head" },
      { text: big("resources", 3000), priority: 5, label: "resources of x" },
      { text: big("timeline", 1000), priority: 2, label: "timeline of x" },
    ];
    const out = fitMarkdownBlocks({ blocks, limit: 3500 });
    expect(out.omitted).toEqual(["resources of x"]);
    expect(out.truncated).toBe(false);
    expect(out.text.length).toBeLessThanOrEqual(3500);
    expect(out.text).toContain("timeline");
    expect(out.text).toContain("Left out to stay within GitHub's size limit: resources of x.");
    expect(findMarkdownProblems(out.text)).toEqual([]);
  });

  it("joins tight blocks with one newline so that table rows stay one table", () => {
    const out = fitMarkdownBlocks({
      blocks: [
        { text: "| a |\n| --- |", required: true, priority: 0, label: "header" },
        { text: "| 1 |", priority: 1, label: "row 1", tight: true },
        { text: "| 2 |", priority: 1, label: "row 2", tight: true },
      ],
      limit: 1000,
    });
    expect(out.text).toBe("| a |\n| --- |\n| 1 |\n| 2 |");
  });

  it("cuts inside required blocks only as a last resort, closing what it leaves open", () => {
    const out = fitMarkdownBlocks({ blocks: [{ text: big("everything", 20_000), required: true, priority: 0, label: "all" }], limit: 5000 });
    expect(out.truncated).toBe(true);
    expect(out.text.length).toBeLessThanOrEqual(5000);
    expect(out.text).toContain("This text was cut");
    expect(findMarkdownProblems(out.text)).toEqual([]);
  });
});

describe("truncateMarkdown and closeOpenBlocks", () => {
  it("close an open fence before an open details", () => {
    expect(closeOpenBlocks("<details>\n<summary>s</summary>\n\n~~~~yaml\na: 1")).toBe("\n~~~~\n\n</details>");
  });

  it("ignore details tags written inside a code block", () => {
    expect(closeOpenBlocks("```\n<details>\n```\n")).toBe("");
  });

  it("leave short text alone", () => {
    expect(truncateMarkdown({ text: "short", limit: 10 })).toBe("short");
  });
});

describe("headings of a group (one Canary's section)", () => {
  it("are kept only with a block of their group, and their cost is counted with it", () => {
    const blocks = [
      { text: "intro", required: true, priority: 0, label: "intro" },
      { text: "#### a", priority: 3, label: "heading a", group: "a", header: true },
      { text: "A".repeat(300), priority: 3, label: "body a", group: "a" },
      { text: "#### b", priority: 3, label: "heading b", group: "b", header: true },
      { text: "B".repeat(5000), priority: 3, label: "body b", group: "b" },
    ];
    const out = fitMarkdownBlocks({ blocks, limit: 3000 });
    expect(out.text.startsWith("intro\n\n#### a\n\n" + "A".repeat(300))).toBe(true);
    expect(out.text).not.toContain("#### b");
    expect(out.omitted).toEqual(["body b"]);
  });
});
