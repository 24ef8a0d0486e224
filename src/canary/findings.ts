/**
 * Findings are data (STYLE.md §5): nothing in the core throws on bad input; every problem becomes a
 * finding with a stable code, ready to be a check annotation, a table row or a JSON object.
 */

export type Severity = "error" | "warning" | "notice";

/** A key in a YAML mapping or an index in a sequence. */
export type PathSegment = string | number;

export interface Finding {
  /** Stable, documented in docs/rules.md. */
  code: string;
  severity: Severity;
  /** What is wrong, what Flagger will do because of it, and how to fix it. */
  message: string;
  /** Dotted path inside the document, e.g. `spec.analysis.metrics[0].interval`; "" for the whole file. */
  path: string;
  /** The file of the line when it is not the file the finding is reported for (a kustomize patch that sets the field). */
  file?: string;
  /** 1-based line and column in the file. */
  line: number;
  column: number;
}

/** A finding before it has been placed in a file: the path is still a list of segments. */
export interface PendingFinding {
  code: string;
  severity: Severity;
  message: string;
  path: readonly PathSegment[];
  /**
   * Where to point when the path is a key: "key" puts the finding on the key itself (unknown or
   * misplaced fields), "value" on its value (the default).
   */
  at?: "key" | "value";
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Errors first, then by line, then by code: the order every renderer shows. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    a.line - b.line ||
    a.column - b.column ||
    a.code.localeCompare(b.code)
  );
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}
