import { describe, expect, it } from "vitest";
import { details } from "../../src/markdown/blocks.js";
import { codeBlock, codeSpan } from "../../src/markdown/escape.js";
import { closeOpenBlocks, truncateMarkdown } from "../../src/report/budget.js";
import { findMarkdownProblems } from "../support/gfm.js";

const big = (label: string, size: number) => details({ summary: label, body: codeBlock("yaml", "x: 1\n".repeat(size / 5)) });

describe("truncateMarkdown and closeOpenBlocks", () => {
  it("close an open fence before an open details", () => {
    expect(closeOpenBlocks("<details>\n<summary>s</summary>\n\n~~~~yaml\na: 1")).toBe("\n~~~~\n\n</details>");
  });

  it("ignore details tags written inside a code block", () => {
    expect(closeOpenBlocks("```\n<details>\n```\n")).toBe("");
  });

  it("ignore details tags that are repository text in a code span", () => {
    expect(closeOpenBlocks(`<details>\n<summary>s</summary>\n\nsee ${codeSpan("x</details></details>")}\n`)).toBe("\n\n</details>");
  });

  it("cut a long text at a line, close what it leaves open, and say so", () => {
    const out = truncateMarkdown({ text: big("everything", 20_000), limit: 5000 });
    expect(out.length).toBeLessThanOrEqual(5000);
    expect(out).toContain("This text was cut");
    expect(findMarkdownProblems(out)).toEqual([]);
  });

  it("leave short text alone", () => {
    expect(truncateMarkdown({ text: "short", limit: 10 })).toBe("short");
  });
});
