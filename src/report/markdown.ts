/**
 * Markdown building blocks for GitHub comments and check runs. Everything that comes from a
 * manifest (names, values, messages that quote values) goes through `sanitize`, so that a hostile
 * or unlucky value cannot open HTML, close our <details>, break a table or mention people.
 */

const HTML_SPECIALS: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };

/**
 * Makes text safe to place in Markdown prose or a table cell: HTML specials become entities,
 * `@name` cannot mention (a zero-width joiner follows the @), and line breaks become spaces.
 * Code spans (`…`) are kept as code spans; their content needs no entity escaping, but a
 * backtick-free code span cannot carry a pipe in a table, so pipes are escaped everywhere.
 */
export function sanitize(text: string): string {
  let out = "";
  let inCode = false;
  for (const char of text.replace(/\r?\n/g, " ")) {
    if (char === "`") {
      inCode = !inCode;
      out += char;
    } else if (char === "|") {
      out += "\\|";
    } else if (!inCode && char in HTML_SPECIALS) {
      out += HTML_SPECIALS[char];
    } else if (!inCode && char === "@") {
      out += "@\u2060";
    } else {
      out += char;
    }
  }
  // An unbalanced backtick would swallow the rest of the line into code.
  if (inCode) out += "`";
  return out;
}

/** A code span holding any text, with a fence longer than any backtick run inside it. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|")}${pad}${fence}`;
}

/** A fenced code block whose fence cannot be closed by the content. */
export function codeBlock(language: string, content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)].map((m) => m[1]!.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content.replace(/\n$/, "")}\n${fence}`;
}

/** A collapsible section. The blank line after </summary> lets Markdown render inside. */
export function details(params: { summary: string; body: string; open?: boolean }): string {
  return `<details${params.open ? " open" : ""}>\n<summary>${params.summary}</summary>\n\n${params.body.trim()}\n\n</details>`;
}

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
