/**
 * Structural checks of GitHub-flavoured Markdown, on the token tree of a real GFM parser (marked):
 * code fences that never close, table rows whose cell count differs from the header, table lines
 * that fell out of their table, unbalanced or summary-less <details>, a <summary> not followed by
 * a blank line (GitHub would then show the section's Markdown as raw text), and any HTML tag we do
 * not emit ourselves (a sign that manifest content leaked into the comment as HTML).
 */
import { marked, type Token, type Tokens } from "marked";

const ALLOWED_TAGS = new Set(["details", "summary", "sub", "br", "code"]);

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

/** Tags our Markdown turns into, plus the raw tags the renderer writes (details, summary, code, sub, br). */
const RENDERED_TAGS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote", "hr",
  "table", "thead", "tbody", "tr", "th", "td", "pre", "code", "details", "summary", "sub", "br", "input",
]);

/**
 * What GitHub would show, checked on the HTML that a GFM renderer (marked) makes of the Markdown:
 * tags that neither Markdown nor our renderer produce (injected HTML), links whose target is not
 * one of ours, <details> that do not nest, and @mentions or #references in text outside code.
 */
export function findRenderedProblems(markdown: string, options: { linkPrefixes?: readonly string[] } = {}): string[] {
  const problems: string[] = [];
  const html = marked.parse(markdown, { gfm: true, async: false }) as string;
  let depth = 0;
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const closing = match[1] === "/";
    const tag = match[2]!.toLowerCase();
    if (!RENDERED_TAGS.has(tag)) problems.push(`foreign tag <${closing ? "/" : ""}${tag}>`);
    if (tag === "a" && !closing) {
      const href = /href="([^"]*)"/.exec(match[3]!)?.[1] ?? "";
      // GFM autolinks a bare URL, showing the URL itself: not a disguised link. Any other link
      // must be one the renderer writes.
      const shown = html.slice(match.index + match[0].length, html.indexOf("</a>", match.index));
      const target = decodeUri(decodeEntities(href));
      const text = decodeEntities(shown);
      const autolink = [text, `mailto:${text}`, `http://${text}`].includes(target);
      if (!autolink && !(options.linkPrefixes ?? []).some((prefix) => href.startsWith(prefix))) problems.push(`foreign link ${JSON.stringify(href.slice(0, 80))}`);
    }
    if (tag === "details") {
      depth += closing ? -1 : 1;
      if (depth < 0) problems.push("</details> closes a <details> it did not open");
    }
  }
  if (depth !== 0) problems.push(`${depth} <details> left open`);
  // Text outside code, with entities decoded the way a browser (and GitHub's mention filter) sees it.
  const text = decodeEntities(
    html
      .replace(/<pre[\s\S]*?<\/pre>/g, " ")
      .replace(/<code>[\s\S]*?<\/code>/g, " ")
      .replace(/<[^>]*>/g, " "),
  );
  // GitHub: @login or @org/team after a non-word character; #123 or owner/repo#123.
  const mention = /(?:^|[^\w])@[A-Za-z0-9]/.exec(text);
  if (mention) problems.push(`mention outside code: ${JSON.stringify(text.slice(Math.max(0, mention.index - 20), mention.index + 20))}`);
  const reference = /#\d/.exec(text);
  if (reference) problems.push(`issue reference outside code: ${JSON.stringify(text.slice(Math.max(0, reference.index - 20), reference.index + 20))}`);
  return problems;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function decodeUri(uri: string): string {
  try {
    return decodeURI(uri);
  } catch {
    // A lone "%" that the autolink kept: decode the well-formed escape sequences around it.
    return uri.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
