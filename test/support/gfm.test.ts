import { describe, expect, it } from "vitest";
import { findMarkdownProblems } from "./gfm.js";

// The checker guards every rendered comment; these tests prove it can fail.
describe("findMarkdownProblems", () => {
  it("accepts well-formed GFM with details, tables and fences", () => {
    const md = "<!-- marker -->\n### t\n\n<details>\n<summary>s</summary>\n\n| a | b |\n| --- | --- |\n| `x\\|y` | 2 |\n\n```yaml\nk: v\n```\n\n</details>\n\n<sub>x</sub>";
    expect(findMarkdownProblems(md)).toEqual([]);
  });

  it("reports an unclosed fence", () => {
    expect(findMarkdownProblems("```yaml\nk: v\n")).toEqual([expect.stringContaining("never closed")]);
  });

  it("reports a table row with too many cells and a row cut off by a blank line", () => {
    const problems = findMarkdownProblems("| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n\n| 4 | 5 |\n");
    expect(problems).toEqual([expect.stringContaining("row 3 has 3 cells"), expect.stringContaining("outside a table")]);
  });

  it("reports unbalanced details, a missing blank line after summary, and foreign HTML", () => {
    expect(findMarkdownProblems("<details>\n<summary>s</summary>\n\ntext")).toEqual([expect.stringContaining("never closed")]);
    expect(findMarkdownProblems("<details>\n<summary>s</summary>\n| a |\n\n</details>")).toEqual([expect.stringContaining("blank line")]);
    expect(findMarkdownProblems("hello <img src=x onerror=alert(1)> world")).toEqual([expect.stringContaining("<img>")]);
  });
});
