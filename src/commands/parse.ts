/**
 * The slash-command parser: `/canary <verb> [arguments]` at the start of a line of a pull request
 * comment, as data. Commands shown as code, quoted, or hidden in an HTML comment are not commands
 * (markdown-lines.ts); a line that only looks like a command (a look-alike slash, an invisible
 * character, a misspelt verb) is an error that says why, never a command. Never throws. Pure.
 *
 * Syntax (docs/approvals.md):
 *   /canary <verb> [[namespace/]name] [--env <environment>]           approve advance promote rollback unhold
 *   /canary <verb> [--canary [namespace/]name] [--env <environment>] <reason…>   hold, skip-gate
 *   /canary help [verb]   /canary refresh
 * Options may be written `--env staging` or `--env=staging`. For hold and skip-gate the options
 * come before the reason, which runs to the end of the line.
 */
import { editDistance } from "../canary/edit-distance.js";
import { findSuspiciousCharacters, foldLookalikes } from "./lookalike.js";
import { classifyMarkdownLines, type MarkdownLine } from "./markdown-lines.js";
import { COMMAND_VERBS, VERBS, isCommandVerb, type CommandVerb } from "./verbs.js";

/**
 * Commands read from one comment; the rest are reported as one error. Each command costs API
 * calls and a store write, and a comment has room for thousands of lines (65,536 characters).
 */
export const MAX_COMMANDS_PER_COMMENT = 10;
/** A hold or skip-gate reason is shown in the check summary and the audit trail. */
export const MAX_REASON_CHARS = 500;

export interface CanaryRef {
  /** null when the command names the Canary without its namespace. */
  namespace: string | null;
  name: string;
}

export interface Command {
  verb: CommandVerb;
  canary: CanaryRef | null;
  environment: string | null;
  /** hold and skip-gate; null when none was given. */
  reason: string | null;
  /** help: the verb asked about. */
  topic: CommandVerb | null;
  /** 1-based line in the comment body. */
  line: number;
  /** The command as written, without leading spaces. */
  text: string;
}

export type CommandErrorCode =
  | "MISSING_VERB"
  | "UNKNOWN_VERB"
  | "MISSING_REASON"
  | "REASON_TOO_LONG"
  | "INVALID_ARGUMENT"
  | "LOOKALIKE_CHARACTER"
  | "INVISIBLE_CHARACTER"
  | "HIDDEN_TEXT"
  | "NOT_AT_LINE_START"
  | "QUOTE_CONTINUATION"
  | "TOO_MANY_COMMANDS";

export interface CommandError {
  code: CommandErrorCode;
  line: number;
  message: string;
  /** The nearest verb, for UNKNOWN_VERB. */
  suggestion: CommandVerb | null;
}

export interface ParsedComment {
  commands: Command[];
  errors: CommandError[];
}

const KEYWORD = /^\/canary(?=[ \t]|$)/i;
const FOLDED_KEYWORD = /^\/canary(?:\s|$)/;
/** Kubernetes object names (DNS-1123 subdomain) and namespaces / environments (DNS-1123 label). */
const OBJECT_NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseCommands(body: string): ParsedComment {
  const commands: Command[] = [];
  const errors: CommandError[] = [];
  for (const line of classifyMarkdownLines(body)) {
    const found = readLine(line);
    if (!found) continue;
    if ("code" in found) {
      errors.push(found);
      continue;
    }
    if (commands.length === MAX_COMMANDS_PER_COMMENT) {
      errors.push(error("TOO_MANY_COMMANDS", line.number, `only the first ${MAX_COMMANDS_PER_COMMENT} commands of a ` +
        `comment are read; write the others in another comment`));
      break;
    }
    commands.push(found);
  }
  return { commands, errors };
}

function error(code: CommandErrorCode, line: number, message: string, suggestion: CommandVerb | null = null): CommandError {
  return { code, line, message, suggestion };
}

function looksLikeCommand(text: string): boolean {
  return FOLDED_KEYWORD.test(foldLookalikes(text.trimStart()));
}

function listSuspicious(text: string, kinds: ReadonlyArray<string>): string {
  const found = findSuspiciousCharacters(text).filter((c) => kinds.includes(c.kind));
  const labels = [...new Set(found.map((c) => c.label))];
  return labels.join(", ");
}

/** A command, an error, or null for a line that is not about commands. */
function readLine(line: MarkdownLine): Command | CommandError | null {
  const content = line.text.trimStart();
  if (line.kind === "list-item") {
    const item = content.replace(/^(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)+/, "");
    return looksLikeCommand(item)
      ? error("NOT_AT_LINE_START", line.number, "a command in a list item is not read: start the line with /canary")
      : null;
  }
  if (line.kind === "lazy-quote") {
    return looksLikeCommand(content)
      ? error("QUOTE_CONTINUATION", line.number, "this line follows a quote without a blank line, so GitHub shows it " +
        "inside the quote and it is not read: leave a blank line before the command")
      : null;
  }
  if (line.kind === "continuation" && !line.startsInCode && KEYWORD.test(content)) {
    return error("NOT_AT_LINE_START", line.number, "a command indented by four spaces or more is not read (after a " +
      "blank line it would be code): start the line with /canary");
  }
  if (line.kind !== "text" || line.startsInCode) return null;

  if (!KEYWORD.test(content)) {
    if (!looksLikeCommand(content)) return null;
    const which = listSuspicious(content.slice(0, 40), ["slash", "invisible", "letter", "space"]) || "characters " +
      "that only look like ASCII";
    return error("LOOKALIKE_CHARACTER", line.number, `this looks like a command but is not one: it contains ` +
      `${which}. Retype it with a plain / and ASCII letters`);
  }
  const invisible = listSuspicious(content, ["invisible"]);
  if (invisible) {
    return error("INVISIBLE_CHARACTER", line.number, `this command contains invisible characters (${invisible}) and ` +
      `is not read: retype it`);
  }
  if (content.includes("<!--")) {
    return error("HIDDEN_TEXT", line.number, "this command contains an HTML comment, which GitHub does not show, so " +
      "it is not read: remove the <!-- … -->");
  }
  return readCommand(line.number, content.trimEnd());
}

interface Token {
  text: string;
  /** Offset in the command text. */
  at: number;
}

function tokenize(text: string, from: number): Token[] {
  const tokens: Token[] = [];
  const pattern = /[^ \t]+/g;
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) tokens.push({ text: m[0], at: m.index });
  return tokens;
}

function nearestVerb(word: string): CommandVerb | null {
  let best: CommandVerb | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const verb of COMMAND_VERBS) {
    const distance = editDistance(word, verb, 3);
    if (distance < bestDistance) {
      best = verb;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 2))) ? best : null;
}

function readCommand(lineNumber: number, text: string): Command | CommandError {
  const tokens = tokenize(text, "/canary".length);
  const verbToken = tokens[0];
  if (!verbToken) {
    return error("MISSING_VERB", lineNumber, `/canary needs a command: ${COMMAND_VERBS.join(", ")} (/canary help ` +
      `explains them)`);
  }
  const suspicious = listSuspicious(verbToken.text, ["letter", "slash", "space"]);
  if (suspicious) {
    return error("LOOKALIKE_CHARACTER", lineNumber, `the command "${verbToken.text}" contains ${suspicious}, which ` +
      `only look like ASCII letters: retype it`);
  }
  const word = verbToken.text.toLowerCase();
  if (!isCommandVerb(word)) {
    const suggestion = nearestVerb(word);
    const hint = suggestion ? `did you mean /canary ${suggestion}? ` : "";
    return error("UNKNOWN_VERB", lineNumber, `/canary ${word} is not a command: ${hint}The commands are ` +
      `${COMMAND_VERBS.join(", ")}`, suggestion);
  }
  const command: Command = { verb: word, canary: null, environment: null, reason: null, topic: null, line: lineNumber, text };
  const args = tokens.slice(1);
  const info = VERBS[word];
  switch (info.arguments) {
    case "none":
      return args.length === 0
        ? command
        : error("INVALID_ARGUMENT", lineNumber, `/canary ${word} takes no arguments (got "${args[0]!.text}")`);
    case "topic":
      return readTopic(command, args);
    case "target":
      return readTarget(command, args, false, text);
    case "reason":
      return readTarget(command, args, true, text);
  }
}

function readTopic(command: Command, args: Token[]): Command | CommandError {
  if (args.length === 0) return command;
  const topic = args[0]!.text.toLowerCase();
  if (args.length > 1 || !isCommandVerb(topic)) {
    return error("INVALID_ARGUMENT", command.line, `/canary help takes one command name, one of ` +
      `${COMMAND_VERBS.join(", ")}`, nearestVerb(topic));
  }
  return { ...command, topic };
}

const OPTION = /^--(env|canary)(?:=(.*))?$/i;

function readTarget(command: Command, args: Token[], takesReason: boolean, text: string): Command | CommandError {
  const usage = `usage: ${VERBS[command.verb].usage}`;
  let canary: CanaryRef | null = null;
  let environment: string | null = null;
  let i = 0;
  while (i < args.length) {
    const token = args[i]!;
    const option = OPTION.exec(token.text);
    if (token.text.startsWith("--") && !option) {
      if (takesReason) break; // "--" may begin a reason; anything after the options is the reason
      return error("INVALID_ARGUMENT", command.line, `unknown option "${token.text}" (${usage})`);
    }
    if (!option) {
      if (takesReason) break;
      if (canary) return error("INVALID_ARGUMENT", command.line, `one Canary per command: "${token.text}" is one ` +
        `argument too many (${usage})`);
      const parsed = readCanaryRef(token.text);
      if (typeof parsed === "string") return error("INVALID_ARGUMENT", command.line, `${parsed} (${usage})`);
      canary = parsed;
      i += 1;
      continue;
    }
    const name = option[1]!.toLowerCase() as "env" | "canary";
    let value = option[2];
    if (value === undefined) {
      value = args[i + 1]?.text;
      i += 1;
    }
    i += 1;
    if (value === undefined || value === "") return error("INVALID_ARGUMENT", command.line, `--${name} needs a value ` +
      `(${usage})`);
    if ((name === "env" && environment) || (name === "canary" && canary)) {
      return error("INVALID_ARGUMENT", command.line, `--${name} is given twice (${usage})`);
    }
    const suspicious = listSuspicious(value, ["letter", "slash", "space", "other"]);
    if (name === "env") {
      if (suspicious || !LABEL.test(value)) {
        return error("INVALID_ARGUMENT", command.line, `"${value}" is not an environment name (lowercase letters, ` +
          `digits and -) (${usage})`);
      }
      environment = value;
    } else {
      const parsed = readCanaryRef(value);
      if (typeof parsed === "string") return error("INVALID_ARGUMENT", command.line, `${parsed} (${usage})`);
      canary = parsed;
    }
  }
  let reason: string | null = null;
  if (takesReason && i < args.length) {
    reason = text.slice(args[i]!.at).trim();
    const late = args.slice(i).find((t) => OPTION.test(t.text));
    if (late) {
      return error("INVALID_ARGUMENT", command.line, `write ${late.text.split("=")[0]} before the reason, right ` +
        `after /canary ${command.verb}: after it, it would be read as part of the reason`);
    }
  }
  if (takesReason && VERBS[command.verb].reasonRequired && !reason) {
    return error("MISSING_REASON", command.line, `/canary ${command.verb} needs a reason, recorded in the audit ` +
      `trail (${usage})`);
  }
  if (reason && [...reason].length > MAX_REASON_CHARS) {
    return error("REASON_TOO_LONG", command.line, `the reason has more than ${MAX_REASON_CHARS} characters: shorten ` +
      `it and link to the details`);
  }
  return { ...command, canary, environment, reason };
}

/** `podinfo` or `test/podinfo`; a string is the reason it is neither. */
function readCanaryRef(value: string): CanaryRef | string {
  const suspicious = listSuspicious(value, ["letter", "slash", "space"]);
  if (suspicious) return `"${value}" contains ${suspicious}, which only look like ASCII: retype it`;
  const parts = value.split("/");
  if (parts.length === 1 && OBJECT_NAME.test(parts[0]!)) return { namespace: null, name: parts[0]! };
  if (parts.length === 2 && LABEL.test(parts[0]!) && OBJECT_NAME.test(parts[1]!)) return { namespace: parts[0]!, name: parts[1]! };
  return `"${value}" is not a Canary: write its name, or namespace/name, in lowercase`;
}
