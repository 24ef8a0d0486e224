/**
 * Which slash-command work a delivery asks for (pure): a new comment on a pull request becomes a
 * `command` job keyed by its comment id (a redelivery with a new delivery id merges into the
 * waiting job, and the stored records' keys make a second run change nothing); a push to a pull
 * request voids its approvals (readPush), in the transaction that accepts the delivery.
 *
 * The comment travels in the job's payload as it was created: a later edit is never read.
 */
import { parseCommands } from "../commands/parse.js";
import { readCommentEventFacts, screenCommentEvent, type IssueCommentPayload } from "../gate/authorize.js";
import type { EventDecision, PlannedJob } from "./events.js";
import { asRecord, readInstallationRepository } from "./payload.js";

export interface CommandJobPayload {
  owner: string;
  repo: string;
  number: number;
  /** The delivery's issue_comment payload, trimmed to what authorization reads. */
  comment: IssueCommentPayload;
}

export interface PushFacts {
  /** `owner/repo` */
  repository: string;
  pullRequest: number;
  headSha: string;
  /** GitHub's time of the update (pull_request.updated_at). */
  pushedAt: string;
}

export function buildCommandJobKey(params: { installationId: number; owner: string; repo: string; commentId: number }): string {
  return `${params.installationId}/${params.owner}/${params.repo}/comment/${params.commentId}`;
}

/** The decision for an issue_comment delivery. */
export function buildCommentJobs(params: { name: string; payload: unknown }): EventDecision {
  const payload = asRecord(params.payload);
  const action = typeof payload?.action === "string" ? payload.action : "";
  const event = `${params.name}.${action}`;
  const issue = asRecord(payload?.issue);
  const comment = asRecord(payload?.comment);
  const user = asRecord(comment?.user);
  if (action !== "created") return { action: "ignore", event, reason: "only new comments carry commands" };
  if (!issue || !comment || !user) return { action: "reject", event, reason: "the payload has no issue or comment" };
  const named = readInstallationRepository(payload);
  if ("missing" in named) return { action: "reject", event, reason: named.missing };
  const { installationId, owner, repo } = named;
  const number = issue.number;
  if (typeof number !== "number" || !Number.isSafeInteger(number)) return { action: "reject", event, reason: "the payload names no issue" };
  if (typeof comment.id !== "number" || typeof comment.body !== "string" || typeof user.login !== "string" || typeof comment.created_at !== "string") {
    return { action: "reject", event, reason: "the payload's comment has no id, body, author or time" };
  }
  const trimmed: IssueCommentPayload = {
    action,
    issue: { number, ...(issue.pull_request ? { pull_request: {} } : {}), user: { login: String(asRecord(issue.user)?.login ?? "") } },
    comment: {
      id: comment.id,
      body: comment.body,
      created_at: comment.created_at,
      updated_at: typeof comment.updated_at === "string" ? comment.updated_at : comment.created_at,
      author_association: typeof comment.author_association === "string" ? comment.author_association : "NONE",
      user: { login: user.login, type: typeof user.type === "string" ? user.type : "User" },
      ...(comment.performed_via_github_app ? { performed_via_github_app: { id: asRecord(comment.performed_via_github_app)?.id ?? null } } : {}),
    },
  };
  // Issues, bots and Apps are dropped here, before any job or API call (answering a bot could loop).
  const screened = screenCommentEvent(readCommentEventFacts(params.name, trimmed));
  if (screened && !screened.allowed) return { action: "ignore", event, reason: screened.reason };
  const parsed = parseCommands(trimmed.comment.body);
  if (parsed.commands.length === 0 && parsed.errors.length === 0) {
    return { action: "ignore", event, reason: "the comment holds no /canary command" };
  }
  const jobPayload: CommandJobPayload = { owner, repo, number, comment: trimmed };
  const job: PlannedJob = {
    kind: "command",
    key: buildCommandJobKey({ installationId, owner, repo, commentId: comment.id }),
    installationId,
    payload: jobPayload as unknown as Record<string, unknown>,
  };
  return { action: "enqueue", event, jobs: [job] };
}

/** A pull_request.synchronize delivery's new head; null for any other delivery. */
export function readPush(params: { name: string; payload: unknown; receivedAt: string }): PushFacts | null {
  const payload = asRecord(params.payload);
  if (params.name !== "pull_request" || payload?.action !== "synchronize") return null;
  const pull = asRecord(payload.pull_request);
  const repository = asRecord(payload.repository);
  const fullName = repository?.full_name;
  const headSha = asRecord(pull?.head)?.sha;
  const number = pull?.number;
  if (typeof fullName !== "string" || typeof headSha !== "string" || typeof number !== "number") return null;
  const updatedAt = typeof pull?.updated_at === "string" && !Number.isNaN(Date.parse(pull.updated_at)) ? new Date(pull.updated_at).toISOString() : params.receivedAt;
  return { repository: fullName, pullRequest: number, headSha, pushedAt: updatedAt };
}

