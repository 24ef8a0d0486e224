import { isMap, isPair, isScalar, isSeq, isAlias, type Document, type LineCounter, type Node } from "yaml";
import type { PathSegment } from "./findings.js";

export interface SourcePosition {
  /** Set when the position is in another file than the document's (a kustomize patch, src/build/render.ts). */
  file?: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export function positionOfOffset(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

/**
 * Finds where `path` is written in `document`: the value's first character, or with `at: "key"`
 * the key's. When the path does not exist (a missing required field), the deepest existing
 * ancestor's key is returned, which is where a reader would add the field.
 */
export function locatePath(params: {
  document: Document.Parsed;
  lineCounter: LineCounter;
  path: readonly PathSegment[];
  at?: "key" | "value";
}): SourcePosition {
  const { document, lineCounter, path } = params;
  const fallback = document.contents?.range?.[0] ?? document.range[0];
  let node: Node | null | undefined = document.contents as Node | null;
  // The offset of the key that led to `node`, if it was reached through a mapping.
  let keyOffset: number | undefined;
  let found = fallback;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i];
    if (isAlias(node)) node = node.resolve(document) as Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item.key, segment));
      if (!pair) return positionOfOffset(lineCounter, keyOffset ?? found);
      const key = pair.key as Node | null;
      keyOffset = key?.range?.[0];
      const value = pair.value as Node | null;
      const isLast = i === path.length - 1;
      if (isLast && params.at === "key" && keyOffset !== undefined) return positionOfOffset(lineCounter, keyOffset);
      found = value?.range?.[0] ?? keyOffset ?? found;
      // A key with an empty value (`foo:`) has a zero-width scalar; point at the key instead.
      if (isScalar(value) && value.source === "" && keyOffset !== undefined) found = keyOffset;
      node = value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return positionOfOffset(lineCounter, keyOffset ?? found);
      keyOffset = undefined;
      found = item.range?.[0] ?? found;
      node = item;
    } else {
      return positionOfOffset(lineCounter, keyOffset ?? found);
    }
  }
  return positionOfOffset(lineCounter, found);
}

function keyMatches(key: unknown, segment: PathSegment | undefined): boolean {
  if (isScalar(key)) return String(key.value) === String(segment);
  return false;
}
