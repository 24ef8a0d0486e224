/**
 * May this comment's command act on these Canaries? Pure: the caller fetches the facts (the
 * commenter's repository permission and team memberships, the default branch's config, the pull
 * request as it is now, each Canary's current run) and this decides, with a reason a person can
 * read. Refusing is the default: every rule below must pass.
 *
 * Rules (docs/approvals.md, "Who may do what"):
 * - only `issue_comment.created` on a pull request, never an edited comment, never a bot;
 * - help and refresh: read permission;
 * - approve, advance, promote, rollback, unhold: the environment's approvers (users, teams) when it
 *   lists any, else write permission or more; hold: the same, or write permission;
 *   skip-gate: the environment's approvers, or admin;
 * - the pull request's author may not approve, advance, promote, unhold or skip-gate their own pull
 *   request unless the environment allows self-approval, and never on a fork's pull request;
 *   rollback and hold only make things safer and stay open to the author;
 * - a gate command binds to the Canary's current run, which must be active and roll out this pull
 *   request's revision, in the cluster the default branch's config names; a push after the comment
 *   was written voids it.
 */
import { parseCommands, type Command, type CommandError } from "../commands/parse.js";
import { buildRecordKey, describeCanary, type CanaryIdentity, type CanaryRun, type CommandRecord } from "../commands/records.js";
import { resolveCommandTargets } from "../commands/target.js";
import { VERBS, type CommandVerb, type GateHook } from "../commands/verbs.js";
import type { EnvironmentConfig } from "../config/schema.js";

/** `permission` of GET /repos/{o}/{r}/collaborators/{u}/permission, or a role name mapped to it. */
export type RepositoryPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface CommentEventFacts {
  /** X-GitHub-Event */
  event: string;
  action: string;
  /** `issue.pull_request` is present. */
  isPullRequest: boolean;
  commentId: number;
  author: { login: string; type: string };
  /** The payload's author_association: shown in the audit trail, never trusted for authorization. */
  authorAssociation: string;
  /** The comment was edited (action `edited`, or `updated_at` after `created_at`). */
  edited: boolean;
  /** `comment.performed_via_github_app` is set: an App wrote it on someone's behalf. */
  performedViaApp: boolean;
  createdAt: string;
}

export interface PullRequestFacts {
  number: number;
  author: string;
  /** The head repository is not the base repository. */
  fork: boolean;
  /** The head SHA now, read when the command is executed. */
  headSha: string;
  /** When that head was pushed, from the store's pull_request.synchronize; null when unknown. */
  headPushedAt: string | null;
}

export interface ActorFacts {
  login: string;
  permission: RepositoryPermission;
  /** Teams the actor is an active member of, as `org/slug` (pending memberships left out). */
  teams: readonly string[];
}

export interface TargetFacts {
  canary: CanaryIdentity;
  /** The revision (images) this pull request declares for the Canary; null when unknown. */
  revision: string | null;
  /** The Canary's current run in its cluster, or null when none is known. */
  run: CanaryRun | null;
  /** Hooks of the Canary's spec that point at canary-bot's gate route; null when unknown. */
  gates: readonly GateHook[] | null;
}

export type RefusalCode =
  | "NOT_A_NEW_COMMENT"
  | "NOT_A_PULL_REQUEST"
  | "EDITED_COMMENT"
  | "BOT_AUTHOR"
  | "NO_PERMISSION"
  | "NOT_AN_APPROVER"
  | "SELF_APPROVAL"
  | "NO_TARGET"
  | "UNKNOWN_ENVIRONMENT"
  | "CLUSTER_MISMATCH"
  | "HEAD_MOVED"
  | "NO_RUN"
  | "RUN_ENDED"
  | "RUN_MISMATCH"
  | "REVISION_UNKNOWN"
  | "REVISION_MISMATCH"
  | "NO_GATE_HOOK";

export type Authorization =
  | { allowed: true; grounds: string }
  | { allowed: false; code: RefusalCode; reason: string };

export interface AuthorizeParams {
  command: Pick<Command, "verb">;
  event: CommentEventFacts;
  pullRequest: PullRequestFacts;
  /** The repository's owner: qualifies team slugs written without an organization. */
  repositoryOwner: string;
  /** From the DEFAULT branch's `.github/canary-bot.yml`, never the pull request's. */
  environments: readonly EnvironmentConfig[];
  actor: ActorFacts;
  /** The Canaries the command applies to (resolveCommandTargets), with their runs. */
  targets: readonly TargetFacts[];
}

const RANK: Readonly<Record<RepositoryPermission, number>> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Verbs the pull request's author may not use on their own pull request without allowSelfApproval. */
const SELF_RESTRICTED: ReadonlySet<CommandVerb> = new Set(["approve", "advance", "promote", "unhold", "skip-gate"]);

function refuse(code: RefusalCode, reason: string): Authorization {
  return { allowed: false, code, reason };
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isBot(event: CommentEventFacts): boolean {
  return event.author.type === "Bot" || /\[bot\]$/i.test(event.author.login) || event.performedViaApp;
}

function qualifyTeam(team: string, owner: string): string {
  return (team.includes("/") ? team : `${owner}/${team}`).toLowerCase();
}

/** Who the environment names as approvers, if anyone: users and qualified teams. */
function approversOf(environment: EnvironmentConfig, owner: string): { users: string[]; teams: string[] } | null {
  const users = environment.approvers?.users ?? [];
  const teams = (environment.approvers?.teams ?? []).map((t) => qualifyTeam(t, owner));
  return users.length + teams.length > 0 ? { users, teams } : null;
}

/** Whether the actor holds the right for this verb in this environment; the grounds or the refusal. */
function checkIdentity(params: {
  verb: CommandVerb;
  environment: EnvironmentConfig;
  actor: ActorFacts;
  owner: string;
}): Authorization {
  const { verb, environment, actor, owner } = params;
  const approvers = approversOf(environment, owner);
  const permission = actor.permission;
  if (approvers) {
    const asUser = approvers.users.some((u) => sameLogin(u, actor.login));
    const team = approvers.teams.find((t) => actor.teams.some((m) => m.toLowerCase() === t));
    if ((asUser || team) && RANK[permission] >= RANK.read) {
      return { allowed: true, grounds: `${actor.login} is an approver of ${environment.name} ` +
        `(${asUser ? "listed by name" : `team ${team}`})` };
    }
  }
  const listed = approvers
    ? [...approvers.users, ...approvers.teams.map((t) => `team ${t}`)].join(", ")
    : "";
  if (verb === "skip-gate") {
    if (permission === "admin") return { allowed: true, grounds: `${actor.login} is an admin of the repository` };
    return refuse(
      approvers ? "NOT_AN_APPROVER" : "NO_PERMISSION",
      approvers
        ? `only ${environment.name}'s approvers (${listed}) or a repository admin may skip its gate, and ` +
          `${actor.login} is neither`
        : `only a repository admin may skip ${environment.name}'s gate (it lists no approvers), and ${actor.login} ` +
          `has ${permission} permission`,
    );
  }
  if (verb === "hold" && RANK[permission] >= RANK.write) {
    return { allowed: true, grounds: `${actor.login} has ${permission} permission` };
  }
  if (approvers) {
    return refuse(
      "NOT_AN_APPROVER",
      `${actor.login} is not an approver of ${environment.name}: the default branch's .github/canary-bot.yml lists ` +
        `${listed}` +
        (approvers.teams.length > 0 ? " (team membership must be active)" : ""),
    );
  }
  if (RANK[permission] >= RANK.write) {
    return { allowed: true, grounds: `${actor.login} has ${permission} permission and ${environment.name} lists no ` +
      `approvers` };
  }
  return refuse("NO_PERMISSION", `/canary ${verb} needs write permission on the repository in ${environment.name}, ` +
    `and ${actor.login} has ${permission}`);
}

function checkBinding(params: { verb: CommandVerb; target: TargetFacts; hook: GateHook }): Authorization | null {
  const { verb, target, hook } = params;
  const { canary, run } = target;
  const who = describeCanary(canary);
  if (target.gates !== null && !target.gates.includes(hook)) {
    return refuse("NO_GATE_HOOK", `${who} has no ${hook} webhook pointing at canary-bot, so /canary ${verb} would ` +
      `open nothing (docs/approvals.md)`);
  }
  if (!run) {
    return refuse("NO_RUN", `no rollout of ${who} is known in cluster ${canary.cluster}: comment /canary ${verb} ` +
      `once Flagger runs it (canary-bot learns of runs from Flagger's events)`);
  }
  if (run.cluster !== canary.cluster || run.namespace !== canary.namespace || run.name !== canary.name) {
    return refuse("RUN_MISMATCH", `the run ${run.id} is ${run.namespace}/${run.name} in cluster ${run.cluster}, not ` +
      `${who} in cluster ${canary.cluster}`);
  }
  if (run.endedAt !== null) {
    return refuse("RUN_ENDED", `the last run of ${who} ended (${run.phase}) at ${run.endedAt}: there is nothing to ` +
      `${verb}`);
  }
  if (run.revision === null || run.revisionAmbiguous) {
    return refuse("REVISION_UNKNOWN", `canary-bot cannot tell which revision the current run of ${who} rolls out, so ` +
      `it cannot tie an approval on this pull request to it`);
  }
  if (target.revision === null) {
    return refuse("REVISION_UNKNOWN", `canary-bot does not know which revision this pull request declares for ${who}`);
  }
  if (run.revision !== target.revision) {
    return refuse("REVISION_MISMATCH", `the current run of ${who} rolls out ${run.revision}, not this pull request's ` +
      `revision ${target.revision}: approve it on the pull request that declares it`);
  }
  return null;
}

/**
 * The checks that need nothing but the delivery: run them first, before any API call, and drop
 * the comment silently when they refuse (answering a bot could loop). Null when the comment may
 * carry commands.
 */
export function screenCommentEvent(event: CommentEventFacts): Authorization | null {
  if (event.event !== "issue_comment" || event.action !== "created") {
    return refuse("NOT_A_NEW_COMMENT", `only new comments are read (this was ${event.event}.${event.action}): an ` +
      `edit could replay or change a command after it was acted on`);
  }
  if (event.edited) {
    return refuse("EDITED_COMMENT", "the comment was edited: write the command in a new comment");
  }
  if (!event.isPullRequest) {
    return refuse("NOT_A_PULL_REQUEST", "commands are read on pull requests only, not on issues");
  }
  if (isBot(event)) {
    return refuse("BOT_AUTHOR", `${event.author.login} is a bot or an App: only people can run commands`);
  }
  return null;
}

export function authorizeCommand(params: AuthorizeParams): Authorization {
  const { command, event, pullRequest, actor, targets } = params;
  const verb = command.verb;
  const screened = screenCommentEvent(event);
  if (screened) return screened;
  if (!sameLogin(actor.login, event.author.login)) {
    return refuse("NO_PERMISSION", `the permission looked up is ${actor.login}'s, not the comment author's ` +
      `(${event.author.login})`);
  }
  if (verb === "help" || verb === "refresh") {
    return RANK[actor.permission] >= RANK.read
      ? { allowed: true, grounds: `${actor.login} can read the repository` }
      : refuse("NO_PERMISSION", `/canary ${verb} needs read permission on the repository, and ${actor.login} has none`);
  }
  if (targets.length === 0) return refuse("NO_TARGET", `/canary ${verb} names no Canary of this pull request`);
  if (pullRequest.headPushedAt !== null && Date.parse(pullRequest.headPushedAt) > Date.parse(event.createdAt)) {
    return refuse("HEAD_MOVED", `the pull request was pushed to (head ${pullRequest.headSha.slice(0, 7)}) after the ` +
      `comment was written: check the new head and comment again`);
  }

  const hook = VERBS[verb].hook;
  const grounds: string[] = [];
  for (const target of targets) {
    const environment = params.environments.find((e) => e.name === target.canary.environment);
    if (!environment) {
      return refuse("UNKNOWN_ENVIRONMENT", `the default branch's .github/canary-bot.yml has no environment ` +
        `${target.canary.environment}: approvals follow the default branch's config only`);
    }
    if (environment.cluster !== target.canary.cluster) {
      return refuse("CLUSTER_MISMATCH", `${describeCanary(target.canary)} is in cluster ${target.canary.cluster}, ` +
        `but the default branch's config puts ${environment.name} in ${environment.cluster}`);
    }
    const identity = checkIdentity({ verb, environment, actor, owner: params.repositoryOwner });
    if (!identity.allowed) return identity;
    if (SELF_RESTRICTED.has(verb) && sameLogin(actor.login, pullRequest.author)) {
      if (pullRequest.fork) {
        return refuse("SELF_APPROVAL", `${actor.login} opened this pull request from a fork and cannot ${verb} it: ` +
          `another approver must`);
      }
      if (!environment.approvers?.allowSelfApproval) {
        return refuse("SELF_APPROVAL", `${actor.login} opened this pull request and cannot ${verb} it in ` +
          `${environment.name}: another approver must (approvers.allowSelfApproval is off)`);
      }
    }
    if (hook) {
      const binding = checkBinding({ verb, target, hook });
      if (binding) return binding;
    }
    if (!grounds.includes(identity.grounds)) grounds.push(identity.grounds);
  }
  return { allowed: true, grounds: grounds.join("; ") };
}

/**
 * The records to store for one command: one per Canary it applies to (one without a Canary for
 * help and refresh, or when it named none). Keys are stable, so a redelivered webhook produces
 * the same records and the store keeps the first (mergeCommandRecords).
 */
export function buildCommandRecords(params: {
  command: Pick<Command, "verb" | "line" | "reason">;
  event: CommentEventFacts;
  pullRequest: PullRequestFacts;
  repository: string;
  targets: readonly TargetFacts[];
  authorization: Authorization;
}): CommandRecord[] {
  const { command, event, pullRequest, authorization } = params;
  const hook = VERBS[command.verb].hook;
  const base = {
    verb: command.verb,
    hook,
    outcome: authorization.allowed ? ("accepted" as const) : ("refused" as const),
    refusal: authorization.allowed ? null : authorization.reason,
    grounds: authorization.allowed ? authorization.grounds : null,
    actor: event.author.login,
    at: event.createdAt,
    repository: params.repository,
    pullRequest: pullRequest.number,
    commentId: event.commentId,
    line: command.line,
    headSha: pullRequest.headSha,
    reason: command.reason,
    consumedAt: null,
    invalidatedAt: null,
    invalidation: null,
  };
  if (params.targets.length === 0) {
    return [{ ...base, key: buildRecordKey({ commentId: event.commentId, line: command.line, canary: null }), canary: null, runId: null, revision: null }];
  }
  return params.targets.map((t) => ({
    ...base,
    key: buildRecordKey({ commentId: event.commentId, line: command.line, canary: t.canary }),
    canary: t.canary,
    runId: hook ? (t.run?.id ?? null) : null,
    revision: hook ? (t.run?.revision ?? null) : null,
  }));
}

/** The fields of an `issue_comment` payload that authorization reads (a structural subset of GitHub's). */
export interface IssueCommentPayload {
  action: string;
  issue: { number: number; pull_request?: unknown; user: { login: string } };
  comment: {
    id: number;
    body: string;
    created_at: string;
    updated_at: string;
    author_association: string;
    user: { login: string; type: string };
    performed_via_github_app?: unknown;
  };
}

/** Reads the facts of an issue_comment delivery. */
export function readCommentEventFacts(event: string, payload: IssueCommentPayload): CommentEventFacts {
  const { comment } = payload;
  return {
    event,
    action: payload.action,
    isPullRequest: payload.issue.pull_request !== undefined && payload.issue.pull_request !== null,
    commentId: comment.id,
    author: { login: comment.user.login, type: comment.user.type },
    authorAssociation: comment.author_association,
    edited: payload.action === "edited" || Date.parse(comment.updated_at) > Date.parse(comment.created_at),
    performedViaApp: comment.performed_via_github_app !== undefined && comment.performed_via_github_app !== null,
    createdAt: comment.created_at,
  };
}

/**
 * The teams whose membership decides approvals, qualified (`org/slug`): the caller looks up the
 * commenter's membership in these only (GET /orgs/{org}/teams/{slug}/memberships/{user}).
 */
export function listApproverTeams(params: { environments: readonly EnvironmentConfig[]; repositoryOwner: string }): string[] {
  const teams = params.environments.flatMap((e) => (e.approvers?.teams ?? []).map((t) => qualifyTeam(t, params.repositoryOwner)));
  return [...new Set(teams)].sort();
}

/** A Canary the pull request changes, as the review knows it. */
export interface ChangedCanary {
  canary: CanaryIdentity;
  /** The revision (images) the pull request declares for it; null when unknown. */
  revision: string | null;
  /** Its hooks that point at canary-bot's gate route; null when unknown. */
  gates: readonly GateHook[] | null;
}

export interface CommentDecision {
  /** Why the whole comment is ignored (a bot, an edit, an issue); nothing else is then returned. */
  ignored: Authorization | null;
  /** One record per command and Canary, accepted or refused: store them (mergeCommandRecords). */
  records: CommandRecord[];
  /** Lines that looked like commands and were not read. */
  errors: CommandError[];
}

/**
 * Every command of one comment, decided: parse, find each command's Canaries among those the pull
 * request changes, authorize, and build the records. A command whose Canary cannot be found is a
 * refused record with the reason. Pure; the caller gathers the facts first (screenCommentEvent,
 * then the permission, the teams of listApproverTeams, the runs of the changed Canaries).
 */
export function decideComment(params: {
  event: CommentEventFacts;
  body: string;
  pullRequest: PullRequestFacts;
  repository: string;
  repositoryOwner: string;
  environments: readonly EnvironmentConfig[];
  actor: ActorFacts;
  canaries: readonly ChangedCanary[];
  /** The current run of each changed Canary that has one. */
  runs: readonly CanaryRun[];
}): CommentDecision {
  const { event, pullRequest } = params;
  const ignored = screenCommentEvent(event);
  if (ignored) return { ignored, records: [], errors: [] };
  const parsed = parseCommands(params.body);
  const records: CommandRecord[] = [];
  for (const command of parsed.commands) {
    const resolved = resolveCommandTargets({ command, canaries: params.canaries.map((c) => c.canary) });
    const targets: TargetFacts[] = resolved.ok
      ? resolved.targets.map((canary) => {
          const changed = params.canaries.find((c) => c.canary === canary)!;
          const run = params.runs.find((r) => r.cluster === canary.cluster && r.namespace === canary.namespace && r.name === canary.name) ?? null;
          return { canary, revision: changed.revision, run, gates: changed.gates };
        })
      : [];
    const authorization = resolved.ok
      ? authorizeCommand({ command, event, pullRequest, repositoryOwner: params.repositoryOwner, environments: params.environments, actor: params.actor, targets })
      : refuse("NO_TARGET", resolved.reason);
    records.push(...buildCommandRecords({ command, event, pullRequest, repository: params.repository, targets, authorization }));
  }
  return { ignored: null, records, errors: parsed.errors };
}
