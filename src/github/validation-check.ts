/**
 * The `canary/validation` check run of a head commit (STYLE.md §6). Its external_id carries a
 * digest of the output, so that a redelivered event finds its result already there and writes
 * nothing. A changed result gets a new run rather than an edit: GitHub appends annotations on
 * update, so editing would mix old and new ones. Annotations go 50 per request: the create carries
 * the first 50, updates the rest (GitHub REST checks API).
 */
import { createHash } from "node:crypto";
import { VALIDATION_CHECK_NAME, type CheckRunOutput } from "../report/check-run.js";
import { GITHUB_LIMITS } from "../limits.js";
import type { GitHubPort } from "./port.js";

export type CheckWrite = "created" | "unchanged";

const EXTERNAL_ID_PREFIX = "canary-bot:";

export function buildCheckDigest(output: CheckRunOutput): string {
  const canonical = JSON.stringify([output.conclusion, output.title, output.summary, output.text, output.annotations]);
  return `${EXTERNAL_ID_PREFIX}${createHash("sha256").update(canonical).digest("hex").slice(0, 40)}`;
}

export async function ensureValidationCheck(params: {
  port: GitHubPort;
  headSha: string;
  output: CheckRunOutput;
  /** A re-run a person asked for: a new run even when the result is the same. */
  rerun?: boolean;
  detailsUrl?: string;
}): Promise<CheckWrite> {
  const { port, headSha, output } = params;
  const externalId = buildCheckDigest(output);
  if (!params.rerun) {
    const existing = await port.findCheckRun({ headSha, name: VALIDATION_CHECK_NAME });
    // An interrupted earlier attempt may have created the run but not appended every annotation.
    if (existing && existing.status === "completed" && existing.externalId === externalId && existing.annotationsCount === output.annotations.length) return "unchanged";
  }
  const perRequest = GITHUB_LIMITS.annotationsPerRequest;
  const base = { title: output.title, summary: output.summary, text: output.text };
  const { id } = await port.createCheckRun({
    name: VALIDATION_CHECK_NAME,
    headSha,
    externalId,
    conclusion: output.conclusion,
    output: { ...base, annotations: output.annotations.slice(0, perRequest) },
    ...(params.detailsUrl ? { detailsUrl: params.detailsUrl } : {}),
  });
  for (let start = perRequest; start < output.annotations.length; start += perRequest) {
    await port.updateCheckRunOutput({ checkRunId: id, output: { ...base, annotations: output.annotations.slice(start, start + perRequest) } });
  }
  return "created";
}
