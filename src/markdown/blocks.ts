/**
 * Markdown structure for GitHub comments and check runs: collapsible sections, tables, counts and
 * durations. The text put into them is escaped by the caller with ./escape.ts.
 */

/**
 * A collapsible section. `summary` is HTML (escape repository text with `escapeHtml`/`htmlCode`):
 * it sits in an HTML block, where Markdown is not parsed. The blank line after </summary> ends
 * that block so that the body is Markdown again.
 */
export function details(params: { summary: string; body: string; open?: boolean }): string {
  return `<details${params.open ? " open" : ""}>\n<summary>${params.summary}</summary>\n\n${params.body.trim()}\n\n</details>`;
}

/** A GFM table; cells must already be escaped (`escapeText`, which escapes pipes). */
export function table(params: { headers: readonly string[]; rows: ReadonlyArray<readonly string[]>; align?: ReadonlyArray<"left" | "right" | "center"> }): string {
  const rule = params.headers.map((_, i) => {
    const align = params.align?.[i] ?? "left";
    return align === "right" ? "---:" : align === "center" ? ":---:" : "---";
  });
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(params.headers), line(rule), ...params.rows.map(line)].join("\n");
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** `90` → `1m 30s`, `480` → `8m`, `7200` → `2h`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].filter(Boolean).join(" ");
}
