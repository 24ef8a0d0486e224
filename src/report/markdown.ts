/**
 * Markdown building blocks and escaping live in src/markdown/ (a leaf that timeline and report both
 * import: arrows point down). This module keeps the import path that the GitHub layer uses.
 */
export { codeBlock, codeSpan, escapeHtml, escapeText, htmlCode } from "../markdown/escape.js";
export { details, formatDuration, plural, table } from "../markdown/blocks.js";
