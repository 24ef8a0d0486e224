/**
 * Fitting Markdown into a size budget (GitHub's comment and check-output limits, src/limits.ts).
 * Content is cut by whole blocks first, least important first; only when the required blocks alone
 * are too large is text cut mid-block, and then open code fences and <details> are closed. Either
 * way the output says what was left out.
 */

export interface MarkdownBlock {
  /** The Markdown, complete in itself (its fences and <details> closed). */
  text: string;
  /** Always kept; cut mid-text only as a last resort. */
  required?: boolean;
  /** Lower is more important. Optional blocks are kept in priority order while they fit. */
  priority: number;
  /** How the block is named in the "left out" note, e.g. "generated resources of test/podinfo". */
  label: string;
  /** Joined to the block before it by a single newline (table rows), not a blank line. */
  tight?: boolean;
  /** Blocks of one group (one Canary's section) share their `header` block. */
  group?: string;
  /** Kept only together with at least one other block of its group: a heading with nothing under it is noise. */
  header?: boolean;
}

export interface FittedMarkdown {
  text: string;
  /** Labels of the blocks left out, in document order. */
  omitted: string[];
  /** Whether text had to be cut inside a block. */
  truncated: boolean;
}

const SEPARATOR = "\n\n";

/** Joins blocks in document order, leaving out what does not fit within `limit` characters. */
export function fitMarkdownBlocks(params: { blocks: readonly MarkdownBlock[]; limit: number }): FittedMarkdown {
  const { blocks, limit } = params;
  const total = blocks.reduce((sum, b) => sum + b.text.length + SEPARATOR.length, 0);
  if (total <= limit) return { text: joinBlocks(blocks), omitted: [], truncated: false };

  const kept = new Set<number>();
  let used = 0;
  blocks.forEach((block, index) => {
    if (block.required) {
      kept.add(index);
      used += block.text.length + SEPARATOR.length;
    }
  });
  const headers = new Map<string, number>();
  blocks.forEach((block, index) => {
    if (block.header && block.group !== undefined && !block.required) headers.set(block.group, index);
  });
  const byPriority = blocks
    .map((block, index) => ({ block, index }))
    .filter(({ block }) => !block.required && !block.header)
    .sort((a, b) => a.block.priority - b.block.priority || a.index - b.index);
  // Room for the note that lists what was left out, at its largest.
  const reserve = OMISSION_NOTE_MAX_CHARS + SEPARATOR.length;
  for (const { block, index } of byPriority) {
    const header = block.group !== undefined ? headers.get(block.group) : undefined;
    const needsHeader = header !== undefined && !kept.has(header);
    const cost = block.text.length + SEPARATOR.length + (needsHeader ? blocks[header]!.text.length + SEPARATOR.length : 0);
    if (used + cost + reserve <= limit) {
      kept.add(index);
      if (needsHeader) kept.add(header);
      used += cost;
    }
  }
  // A left-out heading is not worth naming: the blocks under it are named.
  const omitted = blocks.flatMap((block, index) => (kept.has(index) || block.header ? [] : [block.label]));
  const parts = joinBlocks(blocks.filter((_, index) => kept.has(index)));
  const note = renderOmissionNote(omitted);
  const joined = omitted.length > 0 ? `${parts}${SEPARATOR}${note}` : parts;
  if (joined.length <= limit) return { text: joined, omitted, truncated: false };
  // The required blocks alone are too large: cut inside them.
  return { text: truncateMarkdown({ text: parts, limit, note: omitted.length > 0 ? note : undefined }), omitted, truncated: true };
}

function joinBlocks(blocks: readonly MarkdownBlock[]): string {
  return blocks.map((block, index) => (index === 0 ? block.text : `${block.tight ? "\n" : SEPARATOR}${block.text}`)).join("");
}

const NOTE_LABELS = 20;
const NOTE_LABEL_CHARS = 100;
const NOTE_HEAD = "> [!NOTE]\n> Left out to stay within GitHub's size limit: ";
const NOTE_TAIL = ". Run `canary-bot review` locally for the whole review.";
/** An upper bound of `renderOmissionNote`'s length, whatever the labels. */
const OMISSION_NOTE_MAX_CHARS = NOTE_HEAD.length + NOTE_LABELS * (NOTE_LABEL_CHARS + 2) + "; and 1000000 more".length + NOTE_TAIL.length;

export function renderOmissionNote(labels: readonly string[]): string {
  if (labels.length === 0) return "";
  const shown = labels.slice(0, NOTE_LABELS).map((label) => {
    // Labels name paths and Canaries; keep them to characters that mean nothing to Markdown or HTML.
    const plain = label.replace(/[^\w ./:()-]/g, "_");
    return plain.length > NOTE_LABEL_CHARS ? `${plain.slice(0, NOTE_LABEL_CHARS - 1)}…` : plain;
  });
  const more = labels.length - shown.length;
  return `${NOTE_HEAD}${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}${NOTE_TAIL}`;
}

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
    openDetails += (line.match(/<details[\s>]/g) ?? []).length;
    openDetails -= (line.match(/<\/details>/g) ?? []).length;
  }
  let out = "";
  if (fence) out += `\n${fence}`;
  for (let i = 0; i < Math.max(0, openDetails); i += 1) out += "\n\n</details>";
  return out;
}
