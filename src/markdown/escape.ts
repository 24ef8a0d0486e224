/**
 * The one escaping module for text that comes from a repository: names, paths, values, finding
 * messages that quote them, YAML and diffs. Anyone who can open a pull request controls that text,
 * so none of it may open HTML, close our <details>, break a table row, end a code fence early or
 * notify people. Each function is for one context; use the one for where the text lands:
 *
 * - `escapeText`: Markdown prose and table cells. Backtick pairs stay code spans (paired the way
 *   CommonMark pairs them: runs of equal length); everything else is literal.
 * - `escapeHtml`: inside an HTML block, e.g. a `<summary>`, where Markdown is not parsed at all
 *   (CommonMark §4.6: an HTML block runs to the next blank line), so backticks make no code.
 * - `codeSpan`, `htmlCode`, `codeBlock`: code in prose, code in HTML, fenced blocks.
 * - `mermaidText`: a label inside a Mermaid diagram.
 *
 * GitHub turns `@name` and `#123` into mentions and references in any text node that is not code
 * (HTML blocks included), so both are broken with a word joiner (U+2060, invisible) outside code.
 */

/** Invisible and unbreakable: `@\u2060octocat` renders as "@octocat" but notifies nobody. */
const JOINER = "\u2060";

/**
 * CommonMark's line endings, plus the Unicode line and paragraph separators, which some Markdown
 * parsers (marked, JavaScript regular expressions) also break on. Inline text must stay on one
 * line (a table row, a list item).
 */
const LINE_BREAKS = /\r\n|\r|\n|\u2028|\u2029/g;

/**
 * Inline Markdown syntax a backslash makes literal (CommonMark §2.4): emphasis (`*`, `_`), strike
 * (`~`), links and images (`[` opens both; `]` alone is text), table cells (`|`) and escapes.
 */
const MARKDOWN_PUNCTUATION = /[\\*_[~|]/g;

function breakReferences(text: string): string {
  return text.replace(/@/g, `@${JOINER}`).replace(/#/g, `#${JOINER}`);
}

function escapeEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Literal inline Markdown: no emphasis, links, HTML, table cell breaks, mentions or references. */
function escapeLiteral(text: string): string {
  return breakReferences(escapeEntities(text).replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`));
}

/**
 * Repository text for Markdown prose or a table cell, on one line. Never put it in a link's label:
 * parsers differ there (marked re-reads escaped brackets), so links carry only our own text. Backtick runs are paired as
 * CommonMark pairs them (a run closes only at the next run of the same length); a pair becomes a
 * code span, an unpaired run stays literal backticks. Outside code, HTML, Markdown punctuation,
 * `@` and `#` are made inert; inside, only pipes are escaped (GFM reads `\|` as a pipe in a table's
 * code span too).
 */
export function escapeText(text: string): string {
  const line = text.replace(LINE_BREAKS, " ");
  const runs = [...line.matchAll(/`+/g)].map((m) => ({ start: m.index, length: m[0].length }));
  let out = "";
  let position = 0;
  for (let i = 0; i < runs.length; i += 1) {
    const open = runs[i]!;
    if (open.start < position) continue;
    const closeIndex = runs.findIndex((r, j) => j > i && r.length === open.length);
    out += escapeLiteral(line.slice(position, open.start));
    // Some GFM parsers (marked) let an extended autolink run on into a backtick: into a code span's
    // opening fence, or into escaped backticks, which the link's target then keeps with their
    // backslashes while its text shows them without. A space after a URL ends the link first.
    if (URL_AT_END.test(out)) out += " ";
    if (closeIndex < 0) {
      out += "\\`".repeat(open.length);
      position = open.start + open.length;
      continue;
    }
    const close = runs[closeIndex]!;
    out += codeSpan(line.slice(open.start + open.length, close.start));
    position = close.start + close.length;
    i = closeIndex;
  }
  out += escapeLiteral(line.slice(position));
  return escapeLine(out);
}

/** Text ending in what an extended autolink would take for a URL. */
const URL_AT_END = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S*$/i;

/** A line that starts with these is a heading, quote, list or rule, even inside a list item. */
function escapeLine(text: string): string {
  return text.replace(/^(\s*)([#>+=-]|\d+[.)])/, (_, space: string, mark: string) => `${space}\\${mark}`);
}

/** Repository text inside an HTML block (a `<summary>`), where Markdown is not parsed. */
export function escapeHtml(text: string): string {
  return breakReferences(escapeEntities(text.replace(LINE_BREAKS, " ")).replace(/"/g, "&quot;").replace(/'/g, "&#39;"));
}

/** A code span holding any text: its fence is longer than any backtick run inside (CommonMark §6.1). */
export function codeSpan(text: string): string {
  const content = text.replace(LINE_BREAKS, " ");
  // Two backticks with nothing between are not a code span but two literal backticks.
  if (content === "") return "` `";
  const fence = "`".repeat(longestRun(content, "`") + 1);
  // A span that starts or ends with a backtick (or a space) needs padding, which GFM strips.
  const pad = /^[` ]|[` ]$/.test(content) && content.trim() !== "" ? " " : "";
  // A GFM table splits cells before it reads code spans, taking `\\` as one escaped character: a
  // backslash before a pipe is doubled so that the pipe stays escaped (it then shows doubled).
  const cell = content.replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes}\\|`);
  return `${fence}${pad}${cell}${pad}${fence}`;
}

/** Code inside an HTML block: our own `<code>` tag around escaped text. */
export function htmlCode(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

/**
 * A fenced code block no line of the content can close: the fence is a backtick run longer than
 * any inside the content (and at least three). Lone carriage returns are line endings to Markdown,
 * so they become newlines here rather than hiding a fence inside what looks like one line.
 */
export function codeBlock(language: string, content: string): string {
  const text = content.replace(LINE_BREAKS, "\n").replace(/\n$/, "");
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  return `${fence}${language.replace(/[^\w-]/g, "")}\n${text}\n${fence}`;
}

/**
 * Text inside a Mermaid diagram: Mermaid reads `:`, `;`, `#` and `%%` as syntax, and GitHub
 * renders labels as HTML, so anything but plain name characters becomes `_`.
 */
export function mermaidText(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._()/-]/g, "_").slice(0, 120);
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
