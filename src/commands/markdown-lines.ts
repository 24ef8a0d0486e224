/**
 * Which lines of a GitHub comment a reader sees as ordinary text, as GitHub's CommonMark renders
 * it: not code (fenced with ``` or ~~~ of any length, indented by four spaces, or inside an
 * inline code span that crosses lines), not quoted (`>` and the lines a quote swallows without a
 * blank line), not inside an HTML comment or an HTML block. A slash command counts only on such a
 * line, so a command shown as an example, quoted from someone else or hidden in a comment never
 * runs.
 *
 * This is not a Markdown parser. Where it cannot tell, it errs towards "not text": a command that
 * is missed can be typed again, one that runs by accident cannot be taken back. Pure.
 */

export type LineKind =
  | "blank"
  /** A paragraph line: the only kind a command can start. */
  | "text"
  /** A list item's first line (`- `, `1. `): text, but it does not start at the line's start. */
  | "list-item"
  /** An ATX heading, a thematic break or a setext underline. */
  | "heading"
  | "fence"
  | "fenced"
  /** Indented by four columns or more after a blank line: an indented code block. */
  | "indented"
  /** Indented by four columns or more right after text: the paragraph goes on (not code, not a line start). */
  | "continuation"
  | "quote"
  /** A line after a quote without a blank line: CommonMark keeps it in the quote (a lazy continuation). */
  | "lazy-quote"
  | "html"
  | "comment";

export interface MarkdownLine {
  /** 1-based. */
  number: number;
  text: string;
  kind: LineKind;
  /** Leading indentation in columns (a tab counts to the next multiple of four). */
  indent: number;
  /** The line's first non-blank character is inside an inline code span opened on an earlier line. */
  startsInCode: boolean;
}

interface Fence {
  char: "`" | "~";
  length: number;
  /** Columns of container (list item) indentation the closing fence may add to its own three. */
  containerIndent: number;
  inQuote: boolean;
  /** A fence in a list item ends with the item: at the first non-blank line indented less than this. */
  endsBelow: number;
}

const LIST_MARKER = /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;
const HEADING = /^(?:#{1,6}(?:[ \t]|$)|([-*_])(?:[ \t]*\1){2,}[ \t]*$|=+[ \t]*$)/;
const HTML_RAW_BLOCK = /^<(pre|script|style|textarea)(?:[\s>]|$)/i;
/** HTML blocks that may interrupt a paragraph (CommonMark 4.6, types 2–6; comments are tracked apart). */
const HTML_BLOCK_INTERRUPTING = new RegExp(
  "^(?:<[?!]|</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|" +
    "fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|" +
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:[\\s/>]|$))",
  "i",
);
/** Any other tag alone at a line's start (type 7): an HTML block only when it does not continue a paragraph. */
const HTML_BLOCK_OTHER = /^<\/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)/;

function measureIndent(line: string): { columns: number; chars: number } {
  let columns = 0;
  let chars = 0;
  for (const char of line) {
    if (char === " ") columns += 1;
    else if (char === "\t") columns += 4 - (columns % 4);
    else break;
    chars += 1;
  }
  return { columns, chars };
}

function continuesParagraph(previous: LineKind | undefined): boolean {
  return previous === "text" || previous === "list-item" || previous === "continuation";
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

function isQuoteLine(line: string): boolean {
  const { columns, chars } = measureIndent(line);
  return columns < 4 && line[chars] === ">";
}

/** The fence a line opens, after its container markers; null when it opens none. */
function findFenceOpen(content: string, containerIndent: number, inQuote: boolean, endsBelow = 0): Fence | null {
  const { chars } = measureIndent(content);
  const match = FENCE_OPEN.exec(content.slice(chars));
  if (!match) return null;
  const marker = match[1]!;
  // An info string with a backtick makes ``` inline code, not a fence (CommonMark 4.5).
  if (marker[0] === "`" && match[2]!.includes("`")) return null;
  return { char: marker[0] as "`" | "~", length: marker.length, containerIndent, inQuote, endsBelow };
}

function closesFence(line: string, fence: Fence): boolean {
  let content = line;
  if (fence.inQuote) content = content.replace(/^[ \t]*(?:>[ \t]?)+/, "");
  const { columns, chars } = measureIndent(content);
  if (columns > fence.containerIndent + 3) return false;
  const rest = content.slice(chars);
  let run = 0;
  while (rest[run] === fence.char) run += 1;
  return run >= fence.length && isBlank(rest.slice(run));
}

/** Strips list markers (`- `, `1. `, nested `- * `) and reports how wide they were. */
function stripListMarkers(content: string): { rest: string; width: number; isListItem: boolean } {
  let rest = content;
  let width = 0;
  let isListItem = false;
  for (;;) {
    const { chars } = measureIndent(rest);
    const match = LIST_MARKER.exec(rest.slice(chars));
    if (!match) break;
    isListItem = true;
    width += chars + match[0].length;
    rest = rest.slice(chars + match[0].length);
  }
  return { rest, width, isListItem };
}

/** Whether an HTML comment is left open at the end of the line (given it was not open at its start). */
function leavesCommentOpen(text: string): boolean {
  const open = text.lastIndexOf("<!--");
  return open >= 0 && !text.includes("-->", open + 4);
}

export function splitLines(body: string): string[] {
  return body.split(/\r\n|\r|\n/);
}

/**
 * Classifies every line of a comment body. Where a line-by-line reading cannot tell (does a fence
 * in a list item or a quote end with it? CommonMark says yes, marked no; does a comment opened
 * after text reach the next lines, or does a fence end its paragraph first?), each reading is made
 * and a line is text only when it is text in all of them.
 */
export function classifyMarkdownLines(body: string): MarkdownLine[] {
  const lines = splitLines(body);
  const readings = [
    classifyLines(lines, { fencesEndWithContainers: true, listAware: true, inlineComments: true }),
    classifyLines(lines, { fencesEndWithContainers: false, listAware: true, inlineComments: true }),
    classifyLines(lines, { fencesEndWithContainers: false, listAware: false, inlineComments: true }),
    classifyLines(lines, { fencesEndWithContainers: true, listAware: true, inlineComments: false }),
    classifyLines(lines, { fencesEndWithContainers: false, listAware: true, inlineComments: false }),
  ];
  return readings[0]!.map((line, i) => {
    const others = readings.map((r) => r[i]!);
    const hidden = others.find((o) => o.kind !== "text");
    return { ...line, kind: line.kind === "text" && hidden ? hidden.kind : line.kind, startsInCode: others.some((o) => o.startsInCode) };
  });
}

/** Whether a line holds paragraph text that a following line could continue lazily. */
function holdsParagraph(line: MarkdownLine | undefined): boolean {
  if (!line || !continuesParagraph(line.kind)) return false;
  return line.kind !== "list-item" || !isBlank(stripListMarkers(line.text.trimStart()).rest);
}

/** One way of resolving what a line-by-line scan cannot know. */
interface Reading {
  /**
   * A fence, HTML block or comment block inside a list item or a quote ends with it (CommonMark);
   * otherwise it goes on (marked), until its own end or a new list item or quote.
   */
  fencesEndWithContainers: boolean;
  /** Track list items' indentation; otherwise every line is read as if at the top level. */
  listAware: boolean;
  /** `<!--` after text opens a comment that spans lines (it does, unless a block ends the paragraph first). */
  inlineComments: boolean;
}

function classifyLines(lines: readonly string[], reading: Reading): MarkdownLine[] {
  const { fencesEndWithContainers } = reading;
  const out: MarkdownLine[] = [];
  let fence: Fence | null = null;
  let inComment = false;
  /** A comment block opened in a list item ends with the item (read strictly). */
  let commentEndsBelow = 0;
  /** An HTML block: ends at `close`, or at a blank line; in a list item also with the item. */
  let html: { close: RegExp | null; endsBelow: number } | null = null;
  let quoteOpen = false;
  /** The content indentation of the list item we are in, if any. */
  let listIndent: number | null = null;

  lines.forEach((text, index) => {
    const { columns, chars } = measureIndent(text);
    const push = (kind: LineKind) => out.push({ number: index + 1, text, kind, indent: columns, startsInCode: false });

    if (fencesEndWithContainers && fence?.inQuote && !isQuoteLine(text)) fence = null; // the quote ended, and its fence with it
    // Strictly (CommonMark), a list item's fence ends at the first less indented line; leniently
    // (marked), only when a new list item or a quote starts there.
    const startsContainer = LIST_MARKER.test(text.slice(chars)) || text.slice(chars).startsWith(">");
    if (fence && fence.endsBelow > 0 && !isBlank(text) && columns < fence.endsBelow && (fencesEndWithContainers || startsContainer)) {
      fence = null; // the list item ended, and its fence with it
      listIndent = null;
    }
    if (fence) {
      // Read leniently, a quote's fence swallows unquoted lines, and only a quoted line closes it.
      if (closesFence(text, fence) && (!fence.inQuote || isQuoteLine(text))) {
        fence = null;
        push("fence");
      } else {
        push("fenced");
      }
      return;
    }
    if (inComment && fencesEndWithContainers && commentEndsBelow > 0 && !isBlank(text) && columns < commentEndsBelow) {
      inComment = false;
      listIndent = null;
    }
    if (inComment) {
      push("comment");
      const close = text.lastIndexOf("-->");
      if (close >= 0) inComment = leavesCommentOpen(text.slice(close + 3));
      return;
    }
    // As a fence in a list item: read leniently (marked), only a new list item or quote ends it.
    if (html && html.endsBelow > 0 && !isBlank(text) && columns < html.endsBelow && (fencesEndWithContainers || startsContainer)) {
      html = null; // the list item ended, and its HTML block with it
      listIndent = null;
    }
    if (html) {
      if (html.close) {
        push("html");
        if (html.close.test(text)) html = null;
        return;
      }
      if (!isBlank(text)) {
        push("html");
        if (leavesCommentOpen(text)) {
          inComment = true;
          commentEndsBelow = 0;
        }
        return;
      }
      html = null;
    }
    if (isBlank(text)) {
      quoteOpen = false;
      push("blank");
      return;
    }

    const content = text.slice(chars);
    // A less indented line ends the list item, unless it is a lazy continuation of its paragraph
    // (plain text; a fence, quote, heading or HTML block is never lazy).
    // An HTML tag that cannot interrupt a paragraph (type 7, `<span>`) is lazy text like any other.
    const interruptsAsHtml = content.startsWith("<!--") || HTML_RAW_BLOCK.test(content) || HTML_BLOCK_INTERRUPTING.test(content);
    // "===" less indented than the item is no setext underline of the item's paragraph (an underline
    // cannot be lazy): it is lazy paragraph text, and the item goes on.
    const equalsLine = /^=+[ \t]*$/.test(content);
    const lazy = holdsParagraph(out[out.length - 1]) && !FENCE_OPEN.test(content) && !/^[>#]/.test(content) && !interruptsAsHtml && (!HEADING.test(content) || equalsLine);
    const lazyEquals = lazy && equalsLine && listIndent !== null && columns < listIndent;
    if (listIndent !== null && columns < listIndent && !lazy) listIndent = null;
    const inList = listIndent !== null ? listIndent : 0;
    let kind: LineKind;
    // Indented code is four columns past the list item's content, not past the margin: a tab in an
    // item indented by two is the item's paragraph text (CommonMark §5.2).
    if (columns - inList >= 4) {
      kind = quoteOpen ? "lazy-quote" : continuesParagraph(out[out.length - 1]?.kind) ? "continuation" : "indented";
      // ``` in an indented line may be a fence in a nested list item: treat it as one (hides more).
      // Outside any list item it is an indented code block's text, never a fence (CommonMark §4.4):
      // reading it as one would let a later ``` "close" it and show the lines after as text.
      if (reading.listAware && listIndent !== null) fence = findFenceOpen(content, inList, false, inList);
    } else if (content.startsWith(">")) {
      kind = "quote";
      const inner = stripListMarkers(content.replace(/^(?:>[ \t]?)+/, ""));
      fence = findFenceOpen(inner.rest, inner.width, true);
    } else {
      // A run of "-" under paragraph text is a setext underline ("Foo\n-" is a heading): it ends the
      // paragraph, and so its code spans, even where it could be read as an empty list item.
      const setextDash = holdsParagraph(out[out.length - 1]) && /^-+[ \t]*$/.test(content);
      const parsedList = setextDash ? { rest: content, width: 0, isListItem: false } : stripListMarkers(content);
      // An empty item, or a numbered one not starting at 1, cannot interrupt a paragraph: the line
      // goes on with the paragraph (a lone "-" even makes it a heading).
      const cannotInterrupt =
        parsedList.isListItem && holdsParagraph(out[out.length - 1]) && (isBlank(parsedList.rest) || (/^\d/.test(content) && !/^0*1[.)]/.test(content)));
      const list = cannotInterrupt ? { rest: content, width: 0, isListItem: false } : parsedList;
      if (list.isListItem && reading.listAware) listIndent = chars + list.width;
      const opened = cannotInterrupt
        ? null
        : list.isListItem
        ? findFenceOpen(list.rest, chars + list.width, false, reading.listAware ? chars + list.width : 0)
        : findFenceOpen(list.rest, inList, false, inList);
      if (lazyEquals) {
        kind = "text";
      } else if (setextDash) {
        kind = "heading";
      } else if (cannotInterrupt) {
        kind = "continuation";
      } else if (opened) {
        fence = opened;
        kind = list.isListItem ? "list-item" : "fence";
      } else if (list.isListItem) {
        kind = "list-item";
        // An item that starts with an HTML block (`* <details>`) holds it until a blank line, or,
        // read strictly, until the item ends.
        const rest = list.rest.trimStart();
        const raw = HTML_RAW_BLOCK.exec(rest);
        if (raw) {
          const close = new RegExp(`</${raw[1]!}>`, "i");
          if (!close.test(rest.slice(raw[1]!.length + 1))) html = { close, endsBelow: chars + list.width };
        } else if (HTML_BLOCK_INTERRUPTING.test(rest) || HTML_BLOCK_OTHER.test(rest)) {
          html = { close: null, endsBelow: chars + list.width };
        }
      } else if (HEADING.test(content) && !(/^=+[ \t]*$/.test(content) && !holdsParagraph(out[out.length - 1]) && !quoteOpen)) {
        // ("===" is a setext underline only under paragraph text; alone it is paragraph text.)
        // A setext underline cannot end a quote's paragraph: "===" is lazy text there.
        kind = quoteOpen && /^=+[ \t]*$/.test(content) ? "lazy-quote" : "heading";
      } else if (content.startsWith("<!--")) {
        kind = "comment"; // an HTML block of type 2: it interrupts a paragraph
      } else if (HTML_RAW_BLOCK.test(content)) {
        kind = "html";
        const tag = HTML_RAW_BLOCK.exec(content)![1]!;
        const close = new RegExp(`</${tag}>`, "i");
        if (!close.test(content.slice(tag.length + 1))) html = { close, endsBelow: inList };
      } else if (HTML_BLOCK_INTERRUPTING.test(content) || (HTML_BLOCK_OTHER.test(content) && !continuesParagraph(out[out.length - 1]?.kind) && !quoteOpen)) {
        // (Any other tag cannot interrupt a paragraph, a quote's included: there it is lazy quote text.)
        kind = "html";
        html = { close: null, endsBelow: inList };
      } else if (quoteOpen) {
        kind = "lazy-quote";
      } else {
        kind = "text";
      }
    }
    // A list item after a quote may be lazy text of it ("2." cannot interrupt a paragraph): keep
    // treating what follows as quoted.
    quoteOpen = kind === "quote" || kind === "lazy-quote" || (kind === "list-item" && quoteOpen);
    push(kind);
    if ((reading.inlineComments || kind === "comment") && leavesCommentOpen(text)) {
      inComment = true;
      commentEndsBelow = kind === "comment" ? inList : 0;
    }
  });

  markLinesStartingInCode(out);
  return out;
}

/**
 * Marks lines whose first character lies inside an inline code span opened on an earlier line of
 * the same paragraph (`` `a␤/canary promote␤b` `` is one code span).
 */
function markLinesStartingInCode(lines: MarkdownLine[]): void {
  // Two readings of where a paragraph ends: at the blocks this scanner recognises, or only at a
  // blank line or hidden block (an indented line or a "===" may continue a list item's paragraph).
  // A line starts in code if it does in either.
  markSegments(lines, (kind) => kind === "text" || kind === "list-item", (kind) => kind === "text" || kind === "continuation");
  const paragraphLike = (kind: LineKind) => kind === "text" || kind === "list-item" || kind === "continuation" || kind === "indented" || kind === "heading";
  markSegments(lines, paragraphLike, paragraphLike);
}

function markSegments(lines: MarkdownLine[], starts: (kind: LineKind) => boolean, continues: (kind: LineKind) => boolean): void {
  let segment: MarkdownLine[] = [];
  const flush = () => {
    if (segment.length > 1) markSegment(segment);
    segment = [];
  };
  for (const line of lines) {
    if (segment.length > 0 && continues(line.kind)) {
      segment.push(line);
      continue;
    }
    flush();
    if (starts(line.kind)) segment.push(line);
  }
  flush();
}

function markSegment(segment: MarkdownLine[]): void {
  const starts: number[] = [];
  let joined = "";
  for (const line of segment) {
    starts.push(joined.length + measureIndent(line.text).chars);
    joined += `${line.text}\n`;
  }
  const spans = findCodeSpans(joined);
  if (spans.length === 0) return;
  // Spans and line starts both ascend: one sweep.
  let s = 0;
  segment.forEach((line, i) => {
    const at = starts[i]!;
    while (s < spans.length && spans[s]![1] <= at) s += 1;
    if (s < spans.length && at > spans[s]![0]) line.startsInCode = true;
  });
}

/**
 * Inline code spans of one paragraph as [start, end) offsets, paired as CommonMark pairs backtick
 * runs: an opening run is closed by the next run of exactly the same length, and a run with no
 * such partner is literal. Linear in the text (a hostile comment of 65,536 backticks is fine).
 */
export function findCodeSpans(text: string): Array<[number, number]> {
  const runs: Array<{ at: number; length: number }> = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] !== "`") {
      i += 1;
      continue;
    }
    let j = i;
    while (text[j] === "`") j += 1;
    runs.push({ at: i, length: j - i });
    i = j;
  }
  // For each length, the indices (into runs) of runs of that length, in order.
  const byLength = new Map<number, number[]>();
  runs.forEach((run, index) => {
    const list = byLength.get(run.length) ?? [];
    list.push(index);
    byLength.set(run.length, list);
  });
  const nextOfLength = (length: number, after: number): number | null => {
    const list = byLength.get(length);
    if (!list) return null;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (runs[list[mid]!]!.at < after) low = mid + 1;
      else high = mid;
    }
    return low < list.length ? list[low]! : null;
  };

  const spans: Array<[number, number]> = [];
  let position = 0; // text before this is decided
  for (let r = 0; r < runs.length; r += 1) {
    const run = runs[r]!;
    if (run.at < position) continue;
    let at = run.at;
    let length = run.length;
    // A backslash escapes the first backtick of an opening run (not inside a span: we are outside).
    let backslashes = 0;
    while (at - backslashes - 1 >= position && text[at - backslashes - 1] === "\\") backslashes += 1;
    if (backslashes % 2 === 1) {
      at += 1;
      length -= 1;
      if (length === 0) continue;
    }
    const closer = nextOfLength(length, run.at + run.length);
    if (closer === null) continue;
    const end = runs[closer]!.at + runs[closer]!.length;
    spans.push([at, end]);
    position = end;
    r = closer;
  }
  return spans;
}
