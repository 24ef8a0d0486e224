/**
 * The last resort of the size budget (GitHub's comment and check-output limits, src/limits.ts):
 * cutting Markdown mid-text and closing what the cut leaves open. The comment chooses whole parts
 * first (report/comment.ts); only required text that is still too long is cut here, and the cut
 * says so.
 */

/**
 * Cuts Markdown at a line boundary so that, with closing fences, closing </details> and the note,
 * it fits in `limit` characters.
 */
export function truncateMarkdown(params: { text: string; limit: number; note?: string }): string {
  const { text, limit } = params;
  if (text.length <= limit) return text;
  const cutNote = `${params.note ? `${params.note}\n\n` : ""}> [!WARNING]\n> This text was cut to stay within GitHub's size limit.`;
  // Reserve for the worst case of closers: measured after choosing the cut, then shrunk if needed.
  let end = Math.max(0, limit - cutNote.length - 200);
  for (;;) {
    const cut = text.lastIndexOf("\n", end);
    const head = text.slice(0, cut > 0 ? cut : end);
    const closers = closeOpenBlocks(head);
    const result = `${head}${closers}\n\n${cutNote}`;
    if (result.length <= limit || end === 0) return result.length <= limit ? result : result.slice(0, limit);
    end = Math.max(0, end - (result.length - limit) - 1);
  }
}

/** The closing fence and </details> tags that the given Markdown leaves open. */
export function closeOpenBlocks(markdown: string): string {
  let fence: string | undefined;
  let openDetails = 0;
  for (const line of markdown.split("\n")) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      // A closing fence: same character, at least as long, nothing after it but spaces.
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length && line.trim() === fenceMatch[1]) fence = undefined;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      continue;
    }
    // Our renderer writes <details> and </details> on lines of their own; the same text elsewhere
    // is repository text inside a code span (an HTML tag anywhere else is escaped).
    if (/^<details( open)?>$/.test(line.trim())) openDetails += 1;
    if (line.trim() === "</details>") openDetails -= 1;
  }
  let out = "";
  if (fence) out += `\n${fence}`;
  for (let i = 0; i < Math.max(0, openDetails); i += 1) out += "\n\n</details>";
  return out;
}
