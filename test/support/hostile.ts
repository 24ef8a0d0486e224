/** Repository text written to break the comment: HTML, fences, mentions, table pipes, newlines. */
import fc from "fast-check";

/** Pieces that mean something to Markdown, HTML or GitHub. */
export const HOSTILE_PIECES = [
  "<img src=https://t.example/p.png>", "</details>", "<details open>", "</summary>", "<summary>", "<script>alert(1)</script>",
  "`", "``", "```", "````", "~~~", "|", "\n", "\r", "\r\n", "@octocat", "@org/team", "#123", "org/repo#9", "<!--", "-->",
  "&#64;x", "&lt;", "&", "\\", "*", "_", "~", "[x](https://evil.example)", "![i](https://t.example/p.png)", "<https://e.example>",
  " ", "a", "é", "\u2028", ":", "%%", "-", "# ", "> ", "1. ", "<a href=x>", "</code>", "<code>", "\t", "    ",
] as const;

export const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...HOSTILE_PIECES), { maxLength: 8 }).map((parts) => parts.join("")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
);

