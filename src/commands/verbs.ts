/**
 * The slash-command vocabulary: verbs, the Flagger gate each one opens, what arguments it takes.
 * The lowest layer of commands/ and gate/: the parser, authorization, the gate route and the
 * help text all read this table. Pure.
 */

/** Flagger's webhook types that canary-bot answers as a gate (docs/flagger-scheduler.md §4.2). */
export const GATE_HOOKS = ["confirm-rollout", "confirm-traffic-increase", "confirm-promotion", "rollback"] as const;
export type GateHook = (typeof GATE_HOOKS)[number];

export const COMMAND_VERBS = [
  "help",
  "refresh",
  "approve",
  "advance",
  "promote",
  "rollback",
  "hold",
  "unhold",
  "skip-gate",
] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];

/**
 * What follows the verb: nothing, an optional Canary (`[namespace/]name`) and `--env`, a
 * free-text reason (the Canary and environment then only as `--canary` / `--env` before it), or
 * a help topic.
 */
export type VerbArguments = "none" | "target" | "reason" | "topic";

export interface VerbInfo {
  verb: CommandVerb;
  /** The Flagger gate this verb opens for the current run, or null. */
  hook: GateHook | null;
  arguments: VerbArguments;
  reasonRequired: boolean;
  usage: string;
  summary: string;
}

export const VERBS: Readonly<Record<CommandVerb, VerbInfo>> = {
  help: {
    verb: "help",
    hook: null,
    arguments: "topic",
    reasonRequired: false,
    usage: "/canary help [command]",
    summary: "list the commands",
  },
  refresh: {
    verb: "refresh",
    hook: null,
    arguments: "none",
    reasonRequired: false,
    usage: "/canary refresh",
    summary: "review the pull request again",
  },
  approve: {
    verb: "approve",
    hook: "confirm-rollout",
    arguments: "target",
    reasonRequired: false,
    usage: "/canary approve [namespace/]name [--env environment]",
    summary: "let the waiting run start (opens confirm-rollout)",
  },
  advance: {
    verb: "advance",
    hook: "confirm-traffic-increase",
    arguments: "target",
    reasonRequired: false,
    usage: "/canary advance [namespace/]name [--env environment]",
    summary: "let the run increase canary traffic (opens confirm-traffic-increase)",
  },
  promote: {
    verb: "promote",
    hook: "confirm-promotion",
    arguments: "target",
    reasonRequired: false,
    usage: "/canary promote [namespace/]name [--env environment]",
    summary: "let the run promote the canary (opens confirm-promotion)",
  },
  rollback: {
    verb: "rollback",
    hook: "rollback",
    arguments: "target",
    reasonRequired: false,
    usage: "/canary rollback [namespace/]name [--env environment]",
    summary: "make Flagger roll the run back (the rollback hook answers success)",
  },
  hold: {
    verb: "hold",
    hook: null,
    arguments: "reason",
    reasonRequired: false,
    usage: "/canary hold [--canary [namespace/]name] [--env environment] [reason]",
    summary: "keep the canary/promotion check pending",
  },
  unhold: {
    verb: "unhold",
    hook: null,
    arguments: "target",
    reasonRequired: false,
    usage: "/canary unhold [namespace/]name [--env environment]",
    summary: "release a hold",
  },
  "skip-gate": {
    verb: "skip-gate",
    hook: null,
    arguments: "reason",
    reasonRequired: true,
    usage: "/canary skip-gate [--canary [namespace/]name] [--env environment] reason",
    summary: "let the pull request merge without the promotion gate (recorded)",
  },
};

const VERB_OF_HOOK: Readonly<Record<GateHook, CommandVerb>> = {
  "confirm-rollout": "approve",
  "confirm-traffic-increase": "advance",
  "confirm-promotion": "promote",
  rollback: "rollback",
};

export function isCommandVerb(value: string): value is CommandVerb {
  return (COMMAND_VERBS as readonly string[]).includes(value);
}

export function isGateHook(value: string): value is GateHook {
  return (GATE_HOOKS as readonly string[]).includes(value);
}

/** The command that opens a gate: `confirm-promotion` → `promote`. */
export function verbOfHook(hook: GateHook): CommandVerb {
  return VERB_OF_HOOK[hook];
}

/** Verbs that open a Flagger gate and so need a run to bind to. */
export function isGateVerb(verb: CommandVerb): boolean {
  return VERBS[verb].hook !== null;
}
