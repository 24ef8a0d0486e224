/**
 * The `canary/validation` check run: conclusion, title, summary, text and line annotations, each
 * within GitHub's limits (src/limits.ts). Annotations are returned whole; the GitHub port sends
 * them 50 per request.
 */
import { countBySeverity, compareFindings, type Finding } from "../canary/findings.js";
import { GITHUB_LIMITS } from "../limits.js";
import { hasErrors, type ReviewModel } from "../review/review.js";
import { truncateMarkdown } from "./budget.js";
import { plural, table } from "../markdown/blocks.js";
import { codeSpan, escapeText } from "../markdown/escape.js";
import { verdictOf } from "./comment.js";

export const VALIDATION_CHECK_NAME = "canary/validation";

export type CheckConclusion = "success" | "failure" | "neutral";

/** The fields of GitHub's check-run annotation object (REST checks API). */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title: string;
}

export interface CheckRunOutput {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text: string;
  annotations: CheckAnnotation[];
}

const LEVEL: Record<Finding["severity"], CheckAnnotation["annotation_level"]> = { error: "failure", warning: "warning", notice: "notice" };

export function buildCheckRunOutput(params: { model: ReviewModel; notes?: readonly string[]; detailsMarkdown?: string }): CheckRunOutput {
  const { model } = params;
  const findings: Array<{ file: string; finding: Finding }> = [
    ...model.canaries.flatMap((c) => (c.head?.findings ?? []).map((finding) => ({ file: c.file, finding }))),
    ...model.files.flatMap((f) => f.findings.map((finding) => ({ file: f.path, finding }))),
  ];
  const counts = countBySeverity(findings.map((f) => f.finding));
  const failed = hasErrors(model);
  const title =
    model.canaries.length === 0
      ? "No Canary changes"
      : failed
        ? `${plural(counts.error, "error")} in ${plural(model.canaries.filter((c) => verdictOf(c) === "error").length, "Canary", "Canaries")}`
        : counts.warning > 0
          ? `${plural(model.canaries.length, "Canary", "Canaries")} valid, ${plural(counts.warning, "warning")}`
          : `${plural(model.canaries.length, "Canary", "Canaries")} valid`;

  const rows = model.canaries.map((c) => {
    const n = countBySeverity(c.head?.findings ?? []);
    return [codeSpan(c.key), codeSpan(`${c.file}:${c.line}`), String(n.error), String(n.warning), String(n.notice)];
  });
  const summary = truncateMarkdown({
    text: [
      ...(params.notes ?? []).map((note) => `**Note:** ${escapeText(note)}`),
      failed ? "Flagger would reject, stall or roll back at least one changed Canary. Each finding is annotated on its line." : "Every changed Canary passes Flagger's CRD and controller checks.",
      model.canaries.length > 0 ? table({ headers: ["Canary", "File", "Errors", "Warnings", "Notices"], rows, align: ["left", "left", "right", "right", "right"] }) : "",
    ]
      .filter(Boolean)
      .join("\n\n"),
    limit: GITHUB_LIMITS.checkOutputChars,
  });

  const sorted = [...findings].sort((a, b) => a.file.localeCompare(b.file) || compareFindings(a.finding, b.finding));
  const kept = sorted.slice(0, GITHUB_LIMITS.annotationsPerCheckRun);
  const annotations = kept.map(({ file, finding }) => toAnnotation(file, finding));
  const dropped = sorted.length - kept.length;
  const text = truncateMarkdown({
    text: [dropped > 0 ? `${dropped} more findings are not annotated; see the pull request comment.` : "", params.detailsMarkdown ?? ""].filter(Boolean).join("\n\n"),
    limit: GITHUB_LIMITS.checkOutputChars,
  });
  return { conclusion: model.canaries.length === 0 && model.files.length === 0 ? "neutral" : failed ? "failure" : "success", title, summary, text, annotations };
}

function toAnnotation(file: string, finding: Finding): CheckAnnotation {
  const message = finding.message.length > GITHUB_LIMITS.annotationMessageChars ? `${finding.message.slice(0, GITHUB_LIMITS.annotationMessageChars - 1)}…` : finding.message;
  return {
    path: finding.file ?? file,
    start_line: finding.line,
    end_line: finding.line,
    // Columns are only allowed when the annotation is on one line, which ours always are.
    start_column: finding.column,
    end_column: finding.column,
    annotation_level: LEVEL[finding.severity],
    message,
    title: `${finding.code}${finding.path ? ` at ${finding.path}` : ""}`.slice(0, GITHUB_LIMITS.annotationTitleChars),
  };
}
