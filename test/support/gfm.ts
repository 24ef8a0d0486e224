/**
 * Structural checks of GitHub-flavoured Markdown, on the token tree of a real GFM parser (marked):
 * code fences that never close, table rows whose cell count differs from the header, table lines
 * that fell out of their table, unbalanced or summary-less <details>, a <summary> not followed by
 * a blank line (GitHub would then show the section's Markdown as raw text), and any HTML tag we do
 * not emit ourselves (a sign that manifest content leaked into the comment as HTML).
 */
import { marked, type Token, type Tokens } from "marked";

const ALLOWED_TAGS = new Set(["details", "summary", "sub", "br"]);

export function findMarkdownProblems(markdown: string): string[] {
  const problems: string[] = [];
  const tokens = marked.lexer(markdown, { gfm: true });
  const detailsStack: number[] = [];
  let expectSummary = false;

  const visitHtml = (raw: string, where: string) => {
    for (const match of raw.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|<!--[\s\S]*?-->/g)) {
      if (match[0].startsWith("<!--")) continue;
      const closing = match[1] === "/";
      const tag = match[2]!.toLowerCase();
      if (!ALLOWED_TAGS.has(tag)) {
        problems.push(`unexpected HTML tag <${closing ? "/" : ""}${tag}> ${where}`);
        continue;
      }
      if (tag === "details") {
        if (closing) {
          if (detailsStack.pop() === undefined) problems.push(`</details> without <details> ${where}`);
        } else {
          detailsStack.push(1);
          expectSummary = true;
        }
      } else if (tag === "summary" && !closing) {
        if (!expectSummary) problems.push(`<summary> outside a <details> opening ${where}`);
        expectSummary = false;
      }
    }
  };

  const visit = (list: Token[]) => {
    for (const token of list) {
      switch (token.type) {
        case "code": {
          const code = token as Tokens.Code;
          if (code.codeBlockStyle !== "indented") {
            const open = /^ {0,3}(`{3,}|~{3,})/.exec(code.raw)?.[1] ?? "```";
            const lastLine = code.raw.trimEnd().split("\n").pop()!.trim();
            const closed = code.raw.trimEnd().split("\n").length > 1 && lastLine.startsWith(open[0]!.repeat(open.length)) && /^(`+|~+)$/.test(lastLine);
            if (!closed) problems.push(`code fence opened and never closed: ${JSON.stringify(code.raw.slice(0, 60))}`);
          }
          break;
        }
        case "table": {
          const table = token as Tokens.Table;
          const lines = table.raw.trimEnd().split("\n");
          const width = countCells(lines[0]!);
          lines.forEach((line, index) => {
            if (countCells(line) !== width) problems.push(`table row ${index + 1} has ${countCells(line)} cells, the header ${width}: ${JSON.stringify(line.slice(0, 80))}`);
          });
          for (const row of [table.header, ...table.rows].flat()) visitInline(row.tokens);
          break;
        }
        case "paragraph": {
          const text = (token as Tokens.Paragraph).raw.trim();
          if (text.startsWith("|") && text.includes("|", 1)) problems.push(`table text outside a table: ${JSON.stringify(text.slice(0, 80))}`);
          visitInline((token as Tokens.Paragraph).tokens);
          break;
        }
        case "html": {
          const raw = (token as Tokens.HTML).raw;
          visitHtml(raw, `in ${JSON.stringify(raw.slice(0, 60))}`);
          if (/<summary>/.test(raw) && !/<\/summary>\s*$/.test(raw.trim() + "\n")) {
            problems.push(`<summary> must be followed by a blank line: ${JSON.stringify(raw.slice(0, 80))}`);
          }
          break;
        }
        default:
          if ("tokens" in token && Array.isArray(token.tokens)) visit(token.tokens as Token[]);
          if ("items" in token && Array.isArray(token.items)) for (const item of token.items as Tokens.ListItem[]) visit(item.tokens);
      }
    }
  };
  const visitInline = (list: Token[] | undefined) => {
    for (const token of list ?? []) {
      if (token.type === "html") visitHtml((token as Tokens.HTML).raw, "inline");
      if ("tokens" in token && Array.isArray(token.tokens)) visitInline(token.tokens as Token[]);
    }
  };

  visit(tokens);
  if (detailsStack.length > 0) problems.push(`${detailsStack.length} <details> never closed`);
  return problems;
}

/** Cells of a table line: pipes split cells unless escaped (also inside code spans, as in GFM). */
function countCells(line: string): number {
  const trimmed = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  let cells = 1;
  for (let i = 0; i < trimmed.length; i += 1) {
    if (trimmed[i] === "\\") i += 1;
    else if (trimmed[i] === "|") cells += 1;
  }
  return cells;
}
