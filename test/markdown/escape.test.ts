import fc from "fast-check";
import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { details, formatDuration, table } from "../../src/markdown/blocks.js";
import { codeBlock, codeSpan, escapeHtml, escapeText, htmlCode, mermaidText } from "../../src/markdown/escape.js";
import { findMarkdownProblems, findRenderedProblems } from "../support/gfm.js";
import { hostileText } from "../support/hostile.js";

const J = "\u2060";
const html = (md: string) => (marked.parse(md, { gfm: true, async: false }) as string).trim();

describe("escapeText (Markdown prose and table cells)", () => {
  it("turns HTML into text, escapes pipes and defuses mentions and references", () => {
    expect(escapeText("a <b> & c | d @team #12")).toBe(`a &lt;b&gt; &amp; c \\| d @${J}team #${J}12`);
    expect(html(escapeText("a <img src=x> @octocat"))).toBe(`<p>a &lt;img src=x&gt; @${J}octocat</p>`);
  });

  it("pairs backtick runs by length, as CommonMark does, and keeps the pairs as code", () => {
    // One backtick then a double run: the single run has no partner, so it is literal.
    expect(html(escapeText("``x` <img src=q> @octocat ``"))).toBe("<p><code>x` &lt;img src=q&gt; @octocat </code></p>");
    expect(html(escapeText("set `a <x>` now"))).toBe("<p>set <code>a &lt;x&gt;</code> now</p>");
    // An unpaired run stays literal and does not swallow the rest of the line.
    expect(html(escapeText("oops `open <b>"))).toBe("<p>oops `open &lt;b&gt;</p>");
  });

  it("cannot open links, images, emphasis or a block", () => {
    // GFM still autolinks a bare URL, showing the URL itself; no image, no disguised link.
    expect(html(escapeText("![t](t.png) [x](e) *a* _b_ ~c~"))).toBe("<p>![t](t.png) [x](e) *a* _b_ ~c~</p>");
    expect(findRenderedProblems(escapeText("![t](http://t/p.png) [x](http://e)"))).toEqual([]);
    expect(html(`- ${escapeText("# not a heading")}`)).toBe(`<ul>\n<li>#${J} not a heading</li>\n</ul>`);
    expect(html(escapeText("> quote\n- item"))).toBe("<p>&gt; quote - item</p>");
  });

  it("ends a bare URL before backticks, paired or not, so that an autolink shows what it links to", () => {
    // Found by the comment's property test (seed -1696312359): marked ran the autolink on into the
    // escaped backticks, linking to `…aa\`\`` while showing `…aa``.
    for (const text of ["<img src=https://t.example/p.png>%%aa``", "see https://t.example/x`y", "www.t.example/a`` and `code`"]) {
      expect(findRenderedProblems(escapeText(text)), text).toEqual([]);
    }
    expect(escapeText("https://t.example/p``")).toBe("https://t.example/p \\`\\`");
  });

  it("cannot break out of a table row or a details section", () => {
    const hostile = "x</details>\n| evil | row |\n<script>alert(1)</script>";
    const md = details({ summary: "s", body: table({ headers: ["a"], rows: [[escapeText(hostile)]] }) });
    expect(findMarkdownProblems(md)).toEqual([]);
    expect(findRenderedProblems(md)).toEqual([]);
  });
});

describe("escapeHtml and htmlCode (inside an HTML block such as <summary>)", () => {
  it("escape markup and quotes, and defuse mentions: backticks make no code there", () => {
    expect(escapeHtml(`x</summary></details><h1 a="b">@o #1`)).toBe(`x&lt;/summary&gt;&lt;/details&gt;&lt;h1 a=&quot;b&quot;&gt;@${J}o #${J}1`);
    const md = details({ summary: htmlCode("x</summary></details><h1>big</h1><img src=x>.yaml"), body: "body" });
    expect(findRenderedProblems(md)).toEqual([]);
    expect(html(md)).toContain("<summary><code>x&lt;/summary&gt;&lt;/details&gt;&lt;h1&gt;big&lt;/h1&gt;&lt;img src=x&gt;.yaml</code></summary>");
  });
});

describe("codeSpan and codeBlock", () => {
  it("choose fences longer than any backtick run in the content", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(html(codeSpan("`x`"))).toBe("<p><code>`x`</code></p>");
    expect(html(codeSpan(""))).toBe("<p><code> </code></p>");
    expect(codeBlock("yaml", "x: |\n  ```\n  y\n  ```\n")).toBe("````yaml\nx: |\n  ```\n  y\n  ```\n````");
    expect(findMarkdownProblems(codeBlock("md", "```\nnot a close\n"))).toEqual([]);
  });

  it("count a backtick run anywhere, and a lone carriage return as a line break", () => {
    // "a\r```" is two lines to Markdown: a fence of three would be closed by the second one.
    const block = codeBlock("text", "a\r```\n</details>");
    expect(block.startsWith("````text\n")).toBe(true);
    expect(findRenderedProblems(details({ summary: "s", body: block }))).toEqual([]);
  });
});

describe("mermaidText", () => {
  it("keeps only name characters", () => {
    expect(mermaidText("a;b%%{init}%%<x>#:")).toBe("a_b___init____x___");
  });
});

describe("formatDuration", () => {
  it("prints minutes and seconds the way a reviewer reads them", () => {
    expect([formatDuration(30), formatDuration(480), formatDuration(90), formatDuration(7260)]).toEqual(["30s", "8m", "1m 30s", "2h 1m"]);
  });
});

describe("escaping (property)", () => {
  it("every context stays inert for any repository text", () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (a, b, c) => {
        const md = [
          details({ summary: `${htmlCode(a)} ${escapeHtml(b)}`, body: [table({ headers: ["x", "y"], rows: [[escapeText(a), codeSpan(b)]] }), `- ${escapeText(c)}`, codeBlock("yaml", `${a}\n${b}`)].join("\n\n") }),
          escapeText(c),
        ].join("\n\n");
        expect(findRenderedProblems(md)).toEqual([]);
        expect(findMarkdownProblems(md)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });
});
