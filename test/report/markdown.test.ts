import { describe, expect, it } from "vitest";
import { code, codeBlock, details, formatDuration, sanitize } from "../../src/report/markdown.js";
import { findMarkdownProblems } from "../support/gfm.js";

describe("sanitize", () => {
  it("turns HTML into text, escapes pipes and defuses mentions outside code spans", () => {
    expect(sanitize("a <b> & c | d @team")).toBe("a &lt;b&gt; &amp; c \\| d @\u2060team");
  });

  it("keeps code spans as written, but still escapes pipes inside them for tables", () => {
    expect(sanitize("set `a|b <x>` now")).toBe("set `a\\|b <x>` now");
  });

  it("closes an unbalanced backtick so the rest of the line is not swallowed", () => {
    expect(sanitize("oops `open")).toBe("oops `open`");
  });

  it("cannot break out of a table row or a details section", () => {
    const hostile = "x</details>\n| evil | row |\n<script>alert(1)</script>";
    const md = details({ summary: "s", body: `| a |\n| --- |\n| ${sanitize(hostile)} |` });
    expect(findMarkdownProblems(md)).toEqual([]);
  });
});

describe("code and codeBlock", () => {
  it("choose fences longer than any backtick run in the content", () => {
    expect(code("a`b")).toBe("``a`b``");
    expect(codeBlock("yaml", "x: |\n  ```\n  y\n  ```\n")).toBe("````yaml\nx: |\n  ```\n  y\n  ```\n````");
    expect(findMarkdownProblems(codeBlock("md", "```\nnot a close\n"))).toEqual([]);
  });
});

describe("formatDuration", () => {
  it("prints minutes and seconds the way a reviewer reads them", () => {
    expect([formatDuration(30), formatDuration(480), formatDuration(90), formatDuration(7260)]).toEqual(["30s", "8m", "1m 30s", "2h 1m"]);
  });
});
