/**
 * The `command` job: one new pull request comment's `/canary` commands, decided and recorded.
 * It gathers the facts decideComment needs (the pull request as it is now, the DEFAULT branch's
 * config, the commenter's permission and approver-team memberships, the Canaries the pull request
 * changes as its latest review stored them, each Canary's current run), stores the records (by
 * key: a second run of the same comment stores nothing), reacts on the comment, and answers
 * refusals, unreadable commands and help in one short reply comment (written once: only when the
 * comment's records were new). The gate route reads the stored approvals; nothing here waits on
 * Flagger or Flagger on this.
 */
import { renderCommandError, renderHelp, renderRefusal, buildReactions } from "../commands/feedback.js";
import { describeCanary, type CanaryRun, type CommandRecord } from "../commands/records.js";
import type { PromotionStore } from "../cluster/ports.js";
import { decideComment, listApproverTeams, readCommentEventFacts, type ChangedCanary } from "../gate/authorize.js";
import { findCurrentRun } from "../gate/current-run.js";
import type { RecordedGateDecision } from "../gate/merge-gate.js";
import { invalidateApprovalsOnPush } from "../gate/gate-call.js";
import {
  getPullRequestCanaries,
  getPullRequestHead,
  insertCommandRecords,
  listCommandRecords,
  markApprovalsInvalidated,
  upsertPullRequestHead,
} from "../store/approvals.js";
import { appendGateCommand } from "../store/gate-store.js";
import type { Job } from "../store/queue.js";
import type { JobContext, JobOutcome } from "../store/runner.js";
import type { Queryable, Store } from "../store/store.js";
import type { CommandJobPayload, PushFacts } from "./command-events.js";
import type { CommandsGitHubPort } from "./commands-port.js";
import { buildReviewJob, type PlannedJob } from "./events.js";
import { buildCommentJob } from "./comment-job.js";
import { buildGateJob } from "./gate-jobs.js";
import type { GitHubReader, Log, RepositoryRef } from "./port.js";
import { logJobFailure } from "./job-retry.js";
import { getRepositoryConfig } from "./repository-config.js";

/** Marks canary-bot's replies to commands (one per comment that needed an answer). */
export const COMMAND_REPLY_MARKER = "<!-- canary-bot:command-reply -->";

export interface CommandJobDependencies {
  store: Store;
  /** The promotion records (the cluster side); null when no cluster is configured: no run is known. */
  promotions: Pick<PromotionStore, "getPromotionRecord"> | null;
  getPorts(params: { installationId: number; repository: RepositoryRef }): Promise<{ reader: GitHubReader; commands: CommandsGitHubPort }>;
  /** Queues the review that `/canary refresh` asks for. */
  enqueue(jobs: PlannedJob[]): Promise<void>;
  log: Log;
}

export function createCommandJobHandler(deps: CommandJobDependencies) {
  return async (job: Job, context: JobContext): Promise<JobOutcome> => {
    const payload = job.payload as unknown as CommandJobPayload;
    const repository = { owner: payload.owner, repo: payload.repo };
    const fullName = `${payload.owner}/${payload.repo}`;
    const meta = { repo: fullName, pr: payload.number, comment: payload.comment.comment.id, job: job.id, attempt: job.attempts + 1 };
    try {
      const event = readCommentEventFacts("issue_comment", payload.comment);
      const { reader, commands } = await deps.getPorts({ installationId: job.installationId, repository });
      const pull = await commands.getCommandPullRequest({ pullNumber: payload.number });
      if (!pull || pull.state !== "open") {
        deps.log.info(meta, "command on a closed or missing pull request ignored");
        return { outcome: "done" };
      }
      await upsertPullRequestHead(deps.store, { repository: fullName, pullRequest: pull.number, headSha: pull.headSha, pushedAt: null });
      const head = await getPullRequestHead(deps.store, { repository: fullName, pullRequest: pull.number });
      const config = await getRepositoryConfig({ port: reader, defaultBranch: pull.defaultBranch });
      if (!config.ok) deps.log.warn(meta, "default branch config is invalid; commands are refused");
      const environments = config.ok ? config.config.environments : [];
      const login = event.author.login;
      const permission = await commands.getCollaboratorPermission({ username: login });
      const teams: string[] = [];
      for (const team of listApproverTeams({ environments, repositoryOwner: payload.owner })) {
        if (await commands.isActiveTeamMember({ team, username: login })) teams.push(team);
      }
      const canaries = await findChangedCanaries({ store: deps.store, repository: fullName, pullRequest: pull.number, headSha: pull.headSha });
      const runs = await findRuns({ promotions: deps.promotions, canaries });
      const decision = decideComment({
        event,
        body: payload.comment.comment.body,
        pullRequest: { number: pull.number, author: pull.author, fork: pull.fork, headSha: pull.headSha, headPushedAt: head?.pushedAt ?? null },
        repository: fullName,
        repositoryOwner: payload.owner,
        environments,
        actor: { login, permission, teams },
        canaries,
        runs,
      });
      if (decision.ignored) {
        deps.log.info({ ...meta, reason: decision.ignored.allowed ? null : decision.ignored.code }, "comment ignored");
        return { outcome: "done" };
      }
      const added = await insertCommandRecords(deps.store, decision.records);
      deps.log.info({ ...meta, records: decision.records.length, added: added.length, refused: decision.records.filter((r) => r.outcome === "refused").length }, "commands recorded");
      // GitHub answers 200 for a reaction that already exists: reacting twice is harmless.
      for (const content of buildReactions({ records: decision.records, errors: decision.errors.length })) {
        await commands.createCommentReaction({ commentId: event.commentId, content });
      }
      const firstTime = added.length > 0 || decision.records.length === 0;
      const reply = renderCommandReply({ records: added, errors: firstTime ? decision.errors.map((error) => ({ actor: login, error })) : [] });
      if (reply) await commands.createIssueComment({ issueNumber: pull.number, body: reply });
      // hold / unhold / skip-gate decide the merge gate (issue 12): one decision per command line,
      // whatever the number of Canaries it named, then the pull request's gate is evaluated again.
      const gateCommands = buildGateCommands({ records: added });
      for (const decision of gateCommands) await appendGateCommand(deps.store, { owner: payload.owner, repo: payload.repo, number: pull.number, decision });
      if (gateCommands.length > 0) await deps.enqueue([buildGateJob({ installationId: job.installationId, payload: { owner: payload.owner, repo: payload.repo, number: pull.number } })]);
      if (added.some((r) => r.verb === "refresh" && r.outcome === "accepted")) {
        await deps.enqueue([buildReviewJob({ installationId: job.installationId, owner: payload.owner, repo: payload.repo, number: pull.number, rerun: true })]);
      }
      // The sticky comment's "Approvals" section (and its prompts) show the new records at once.
      if (added.length > 0) await deps.enqueue([buildCommentJob({ installationId: job.installationId, owner: payload.owner, repo: payload.repo, number: pull.number })]);
      return { outcome: "done" };
    } catch (error) {
      return logJobFailure({ error, context, log: deps.log, fields: meta, what: "command" }).outcome;
    }
  };
}

/**
 * The Canaries the latest review stored for the pull request. A review of an older head says
 * which Canaries, not which revision the new head declares: the revision is then unknown, and a
 * gate command is refused until the review of the current head is stored.
 */
async function findChangedCanaries(params: { store: Queryable; repository: string; pullRequest: number; headSha: string }): Promise<ChangedCanary[]> {
  const stored = await getPullRequestCanaries(params.store, params);
  if (!stored) return [];
  return stored.headSha === params.headSha ? stored.canaries : stored.canaries.map((c) => ({ ...c, revision: null }));
}

async function findRuns(params: { promotions: CommandJobDependencies["promotions"]; canaries: readonly ChangedCanary[] }): Promise<CanaryRun[]> {
  if (!params.promotions) return [];
  const runs: CanaryRun[] = [];
  for (const { canary } of params.canaries) {
    const stored = await params.promotions.getPromotionRecord({ cluster: canary.cluster, namespace: canary.namespace, name: canary.name });
    const run = findCurrentRun(stored?.record ?? null);
    if (run) runs.push(run);
  }
  return runs;
}

/** The reply to a comment: its refusals, the lines not read, and help when asked; null when there is nothing to say. */
export function renderCommandReply(params: { records: readonly CommandRecord[]; errors: ReadonlyArray<Parameters<typeof renderCommandError>[0]> }): string | null {
  const lines: string[] = [];
  for (const record of params.records) {
    if (record.outcome === "refused") lines.push(`- ${renderRefusal(record)}`);
  }
  for (const error of params.errors) lines.push(`- ${renderCommandError(error)}`);
  const help = params.records.some((r) => r.verb === "help" && r.outcome === "accepted");
  const accepted = params.records.filter((r) => r.outcome === "accepted" && r.hook !== null && r.canary !== null);
  if (lines.length === 0 && !help) return null;
  const parts = [COMMAND_REPLY_MARKER];
  if (accepted.length > 0) parts.push(accepted.map((r) => `- \`/canary ${r.verb}\` for ${describeCanary(r.canary!)} was accepted for run ${r.runId}`).join("\n"));
  if (lines.length > 0) parts.push(lines.join("\n"));
  if (help) parts.push(renderHelp());
  return parts.join("\n\n");
}

/**
 * A push to a pull request: its approvals given on an older head are void, and the head (with
 * GitHub's time of the push) is what the gate compares approvals with from now on. Store only, in
 * the transaction that accepts the delivery: no gate opens on an old approval once GitHub was answered.
 */
export async function recordPush(db: Queryable, push: PushFacts): Promise<number> {
  await upsertPullRequestHead(db, { repository: push.repository, pullRequest: push.pullRequest, headSha: push.headSha, pushedAt: push.pushedAt });
  const records = await listCommandRecords(db, { repository: push.repository, pullRequest: push.pullRequest });
  const voided = invalidateApprovalsOnPush({ records, repository: push.repository, pullRequest: push.pullRequest, headSha: push.headSha, at: push.pushedAt });
  await markApprovalsInvalidated(db, voided);
  return voided.length;
}

/** The merge gate's record of accepted hold, unhold and skip-gate commands: one per comment line. */
export function buildGateCommands(params: { records: readonly CommandRecord[] }): RecordedGateDecision[] {
  const seen = new Set<string>();
  return params.records.flatMap((r): RecordedGateDecision[] => {
    if (r.outcome !== "accepted" || (r.verb !== "hold" && r.verb !== "unhold" && r.verb !== "skip-gate")) return [];
    const line = `${r.commentId}/${r.line}`;
    if (seen.has(line)) return [];
    seen.add(line);
    return [{ kind: r.verb, actor: r.actor, reason: r.reason ?? "", at: Date.parse(r.at), headSha: r.headSha }];
  });
}
