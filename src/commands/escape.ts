/**
 * Escaping for text that people wrote (logins, reasons, Canary names from a repository) before it
 * goes into the sticky comment. Everything is treated as plain text: no Markdown, no HTML, no
 * @mention, no #reference survives. (report/markdown.ts `sanitize` keeps code spans, which reasons
 * must not open: see issue 11 on backtick runs.) Pure.
 */

/** Breaks a mention or a cross-reference without changing what a reader sees: U+200D ZERO WIDTH JOINER. */
const JOINER = "\u200D";

function breakReferences(text: string): string {
  return text
    .replace(/@/g, `@${JOINER}`)
    .replace(/#(?=\d)/g, `#${JOINER}`)
    .replace(/:\/\//g, `:${JOINER}//`) // GFM autolinks http://… and www.…
    .replace(/(?<![a-z0-9])www\./gi, (w) => `${w.slice(0, 3)}${JOINER}.`);
}

/** Text for HTML (inside <summary>, <td>, …): entities for the five specials, mentions broken. */
export function escapeHtmlText(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return breakReferences(text.replace(/\r\n|\r|\n/g, " ")).replace(/[&<>"']/g, (c) => entities[c]!);
}

/**
 * Text for Markdown prose or a table cell: HTML specials as entities, Markdown punctuation
 * backslash-escaped (no code span, link, image, emphasis or table cell can start), mentions,
 * `#123` references and autolinks broken, line breaks as spaces.
 */
export function escapeMarkdownText(text: string): string {
  const html = breakReferences(text)
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  return html.replace(/[\\`*_[\]|~!]/g, (c) => `\\${c}`);
}
