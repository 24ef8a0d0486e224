/**
 * What people see after a command or while a run waits: the reaction on their comment, the
 * refusal's reason, the prompt at a gate, and the help text. Pure; the GitHub port adds the
 * reactions and the sticky comment shows the text.
 */
import { escapeText } from "../markdown/escape.js";
import type { CommandError } from "./parse.js";
import { sameCanary, type CanaryIdentity, type CanaryRun, type CommandRecord, type GateCallRecord } from "./records.js";
import { COMMAND_VERBS, VERBS, verbOfHook, type CommandVerb, type GateHook } from "./verbs.js";

/** Reactions GitHub accepts on a comment (REST reactions/create-for-issue-comment). */
export type Reaction = "+1" | "-1" | "confused" | "eyes";

/**
 * The reactions for one comment: 👍 when a command was accepted, 👎 when one was refused, 😕 when
 * one could not be read (an unknown verb, a look-alike character, no such Canary). A comment with
 * no command gets none. Several at once when a comment mixes them.
 */
export function buildReactions(params: { records: readonly Pick<CommandRecord, "outcome">[]; errors: number }): Reaction[] {
  const reactions: Reaction[] = [];
  if (params.records.some((r) => r.outcome === "accepted")) reactions.push("+1");
  if (params.records.some((r) => r.outcome === "refused")) reactions.push("-1");
  if (params.errors > 0) reactions.push("confused");
  return reactions;
}

function commandText(verb: CommandVerb): string {
  return `\`/canary ${verb}\``;
}

/** One line per refused record: who, which command, why. */
export function renderRefusal(record: Pick<CommandRecord, "actor" | "verb" | "refusal" | "canary">): string {
  const where = record.canary ? ` for ${escapeText(`${record.canary.namespace}/${record.canary.name}`)} in ` +
    `${escapeText(record.canary.environment)}` : "";
  return `${commandText(record.verb)}${where} by ${escapeText(record.actor)} was refused: ` +
    `${escapeText(record.refusal ?? "no reason recorded")}`;
}

/** One line per command that could not be read. */
export function renderCommandError(params: { actor: string; error: Pick<CommandError, "line" | "message"> }): string {
  return `A command by ${escapeText(params.actor)} (line ${params.error.line}) was not read: ` +
    `${escapeText(params.error.message)}`;
}

const WAITING_FOR: Readonly<Record<Exclude<GateHook, "rollback">, string>> = {
  "confirm-rollout": "approval to start its rollout",
  "confirm-traffic-increase": "approval to increase traffic",
  "confirm-promotion": "promotion",
};

/**
 * The prompt when a run waits at a gate: "podinfo in staging is waiting for promotion: comment
 * `/canary promote`". `qualify` names the Canary in the command, for a pull request with several.
 */
export function renderGatePrompt(params: { canary: CanaryIdentity; hook: Exclude<GateHook, "rollback">; qualify: boolean }): string {
  const { canary, hook } = params;
  const verb = verbOfHook(hook);
  const command = params.qualify ? `/canary ${verb} ${canary.namespace}/${canary.name} --env ${canary.environment}` : `/canary ${verb}`;
  return `${escapeText(canary.name)} in ${escapeText(canary.environment)} is waiting for ` +
    `${WAITING_FOR[hook]}: comment \`${command}\``;
}

/** Gate-call codes that mean "a person's command would open this": the run waits for people. */
const WAITING_CODES: ReadonlySet<string> = new Set(["NOT_APPROVED", "APPROVAL_FOR_ANOTHER_RUN", "APPROVAL_OUTDATED"]);

/**
 * The prompts for the pull request's Canaries whose current gate call is waiting for a command:
 * the latest call per Canary and hook answered 403 for want of an approval. With `runs`, only a
 * call of the Canary's current run counts, and only while that run goes on (a finished run waits
 * for nobody); with `approvals`, a valid approval already given for that run and hook silences the
 * prompt (the gate opens at Flagger's next call).
 */
export function buildGatePrompts(params: {
  canaries: readonly CanaryIdentity[];
  gateCalls: readonly GateCallRecord[];
  runs?: readonly CanaryRun[];
  approvals?: readonly CommandRecord[];
}): string[] {
  const prompts: string[] = [];
  for (const canary of params.canaries) {
    const run = params.runs ? params.runs.find((r) => sameCanary(r, canary)) : undefined;
    if (params.runs && (!run || run.endedAt !== null)) continue;
    for (const hook of ["confirm-rollout", "confirm-traffic-increase", "confirm-promotion"] as const) {
      const latest = params.gateCalls
        .filter((c) => c.hook === hook && c.namespace !== null && c.name !== null && sameCanary({ cluster: c.cluster, namespace: c.namespace, name: c.name }, canary))
        .filter((c) => run === undefined || c.runId === run.id)
        .reduce<GateCallRecord | null>((last, c) => (last === null || Date.parse(c.at) >= Date.parse(last.at) ? c : last), null);
      if (!latest || latest.status !== 403 || !WAITING_CODES.has(latest.code)) continue;
      const approved = (params.approvals ?? []).some(
        (r) => r.outcome === "accepted" && r.hook === hook && r.invalidatedAt === null && r.consumedAt === null && r.canary !== null && sameCanary(r.canary, canary) && (run === undefined || r.runId === run.id),
      );
      if (!approved) prompts.push(renderGatePrompt({ canary, hook, qualify: params.canaries.length > 1 }));
    }
  }
  return prompts;
}

/**
 * The Canaries whose gate prompt may change with these new calls: those with a gate whose answer
 * (status, code, run) differs from the call before it, the stored `previous` (the latest call of
 * each gate before these) included. Flagger polls a closed gate every tick with the same answer;
 * only a change is worth redrawing a comment for.
 */
export function listCanariesWithChangedGates(params: { previous: readonly GateCallRecord[]; calls: readonly GateCallRecord[] }): Array<{ cluster: string; namespace: string; name: string }> {
  const gateOf = (c: GateCallRecord) => [c.cluster, c.namespace, c.name, c.hook].join("\u0000");
  const answerOf = (c: GateCallRecord) => [c.status, c.code, c.runId ?? ""].join("\u0000");
  const last = new Map(params.previous.map((c) => [gateOf(c), answerOf(c)] as const));
  const changed = new Map<string, { cluster: string; namespace: string; name: string }>();
  for (const call of params.calls) {
    if (call.namespace === null || call.name === null) continue;
    const gate = gateOf(call);
    if (last.get(gate) !== answerOf(call)) changed.set([call.cluster, call.namespace, call.name].join("\u0000"), { cluster: call.cluster, namespace: call.namespace, name: call.name });
    last.set(gate, answerOf(call));
  }
  return [...changed.values()];
}

/** The answer to `/canary help [verb]`. */
export function renderHelp(topic: CommandVerb | null = null): string {
  const verbs = topic ? [topic] : COMMAND_VERBS;
  const lines = verbs.map((verb) => `- \`${VERBS[verb].usage}\`: ${VERBS[verb].summary}`);
  return [
    "Commands start a line of a new comment on the pull request (not in code, not in a quote):",
    "",
    ...lines,
    "",
    "Name the Canary (`name` or `namespace/name`) and `--env` when the pull request changes several. Who may run " +
      "what: docs/approvals.md.",
  ].join("\n");
}
