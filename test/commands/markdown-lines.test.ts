import { describe, expect, it } from "vitest";
import { classifyMarkdownLines, findCodeSpans } from "../../src/commands/markdown-lines.js";

const kinds = (body: string) => classifyMarkdownLines(body).map((l) => l.kind);

describe("findCodeSpans", () => {
  it("pairs runs of equal length and leaves unmatched runs literal", () => {
    expect(findCodeSpans("a `b` c")).toEqual([[2, 5]]);
    expect(findCodeSpans("``a`b``")).toEqual([[0, 7]]);
    expect(findCodeSpans("` `` `")).toEqual([[0, 6]]);
    expect(findCodeSpans("```a``")).toEqual([]);
  });

  it("lets a backslash escape an opening backtick, but not inside a span", () => {
    expect(findCodeSpans("\\`a`")).toEqual([]);
    expect(findCodeSpans("\\``a`")).toEqual([[2, 5]]);
    expect(findCodeSpans("`a\\`")).toEqual([[0, 4]]);
  });

  it("is linear on many unmatched runs", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => "`".repeat((i % 200) + 1)).join("a");
    const started = performance.now();
    findCodeSpans(text);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("classifyMarkdownLines", () => {
  it("classifies the blocks a comment is made of", () => {
    expect(kinds("text\n\n```\ncode\n```\n> quote\nlazy\n\n    indented\n- item\n# title\n<details>\nin html\n\n<!--\nhidden\n-->")).toEqual([
      "text", "blank", "fence", "fenced", "fence", "quote", "lazy-quote", "blank", "indented", "list-item", "heading", "html", "html", "blank", "comment", "comment", "comment",
    ]);
  });

  it("tells a paragraph continuation from an indented code block", () => {
    expect(kinds("text\n    more")).toEqual(["text", "continuation"]);
  });

  it("does not let a type-7 tag interrupt a paragraph", () => {
    expect(kinds("text\n<span>\nmore")).toEqual(["text", "text", "text"]);
    expect(kinds("\n<span>\nmore")).toEqual(["blank", "html", "html"]);
  });

  it("marks a line that starts inside a code span opened above", () => {
    const lines = classifyMarkdownLines("a `b\nc` d\ne");
    expect(lines.map((l) => l.startsInCode)).toEqual([false, true, false]);
  });
});
