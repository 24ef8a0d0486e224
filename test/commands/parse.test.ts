import { describe, expect, it } from "vitest";
import { MAX_COMMANDS_PER_COMMENT, MAX_REASON_CHARS, parseCommands } from "../../src/commands/parse.js";

const verbs = (body: string) => parseCommands(body).commands.map((c) => c.verb);
const codes = (body: string) => parseCommands(body).errors.map((e) => e.code);

describe("parseCommands: recognising commands", () => {
  it("reads a command alone, with its line", () => {
    expect(parseCommands("/canary promote")).toEqual({
      commands: [{ verb: "promote", canary: null, environment: null, reason: null, topic: null, line: 1, text: "/canary promote" }],
      errors: [],
    });
  });

  it("reads every verb", () => {
    const body = ["help", "refresh", "approve", "advance", "promote", "rollback", "hold", "unhold", "skip-gate hotfix"].map((v) => `/canary ${v}`).join("\n");
    expect(verbs(body)).toEqual(["help", "refresh", "approve", "advance", "promote", "rollback", "hold", "unhold", "skip-gate"]);
  });

  it("reads several commands in one comment, in order, after text and up to three spaces", () => {
    const parsed = parseCommands("Looks good to me.\n/canary approve\n\n   /canary promote podinfo\r\nthanks");
    expect(parsed.commands.map((c) => [c.verb, c.line])).toEqual([["approve", 2], ["promote", 4]]);
    expect(parsed.errors).toEqual([]);
  });

  it("is case-insensitive in the keyword, the verb and option names, and ignores trailing spaces", () => {
    expect(verbs("/Canary PROMOTE   ")).toEqual(["promote"]);
    expect(parseCommands("/canary promote --ENV staging").commands[0]!.environment).toBe("staging");
  });

  it("needs /canary to be a word: /canaryx and /canary: are not commands", () => {
    expect(parseCommands("/canaryx promote\n/canary: promote\nsee /canary promote")).toEqual({ commands: [], errors: [] });
  });

  it("names a Canary as name or namespace/name, and an environment", () => {
    const [a, b, c] = parseCommands("/canary promote podinfo --env staging\n/canary rollback test/podinfo\n/canary approve --env=production").commands;
    expect(a).toMatchObject({ canary: { namespace: null, name: "podinfo" }, environment: "staging" });
    expect(b).toMatchObject({ canary: { namespace: "test", name: "podinfo" }, environment: null });
    expect(c).toMatchObject({ canary: null, environment: "production" });
  });

  it("takes a reason to the end of the line for hold and skip-gate, options first", () => {
    const [hold, skip] = parseCommands("/canary hold waiting for the  DB migration\n/canary skip-gate --env production --canary test/podinfo hotfix for INC-42").commands;
    expect(hold).toMatchObject({ verb: "hold", reason: "waiting for the  DB migration", canary: null });
    expect(skip).toMatchObject({ verb: "skip-gate", reason: "hotfix for INC-42", environment: "production", canary: { namespace: "test", name: "podinfo" } });
  });

  it("lets hold go without a reason", () => {
    expect(parseCommands("/canary hold").commands[0]).toMatchObject({ verb: "hold", reason: null });
  });

  it("reads help with an optional topic", () => {
    expect(parseCommands("/canary help promote").commands[0]).toMatchObject({ verb: "help", topic: "promote" });
  });
});

describe("parseCommands: mistakes are errors, never commands", () => {
  it("suggests the nearest verb for an unknown one", () => {
    const { commands, errors } = parseCommands("/canary promot");
    expect(commands).toEqual([]);
    expect(errors).toEqual([{ code: "UNKNOWN_VERB", line: 1, suggestion: "promote", message: expect.stringContaining("did you mean /canary promote?") }]);
    expect(parseCommands("/canary skipgate now").errors[0]!.suggestion).toBe("skip-gate");
    expect(parseCommands("/canary rolback").errors[0]!.suggestion).toBe("rollback");
  });

  it("gives no suggestion for a word far from every verb, but lists the verbs", () => {
    const error = parseCommands("/canary xyzzyplugh").errors[0]!;
    expect(error).toMatchObject({ code: "UNKNOWN_VERB", suggestion: null });
    expect(error.message).toContain("help, refresh, approve");
  });

  it("reports /canary without a verb", () => {
    expect(codes("/canary")).toEqual(["MISSING_VERB"]);
  });

  it("requires a reason for skip-gate", () => {
    expect(codes("/canary skip-gate")).toEqual(["MISSING_REASON"]);
    expect(codes("/canary skip-gate --env production")).toEqual(["MISSING_REASON"]);
  });

  it("refuses options after the reason, so a mistyped command cannot skip more than meant", () => {
    const error = parseCommands("/canary skip-gate hotfix --env production").errors[0]!;
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("write --env before the reason");
  });

  it("refuses a reason that is too long", () => {
    expect(codes(`/canary skip-gate ${"x".repeat(MAX_REASON_CHARS + 1)}`)).toEqual(["REASON_TOO_LONG"]);
    expect(codes(`/canary skip-gate ${"x".repeat(MAX_REASON_CHARS)}`)).toEqual([]);
  });

  it.each([
    ["/canary refresh now", "takes no arguments"],
    ["/canary promote a b", "one Canary per command"],
    ["/canary promote Podinfo", "is not a Canary"],
    ["/canary promote a/b/c", "is not a Canary"],
    ["/canary promote --env", "--env needs a value"],
    ["/canary promote --env Prod", "is not an environment name"],
    ["/canary promote --env a --env b", "--env is given twice"],
    ["/canary promote --force", "unknown option"],
    ["/canary help me", "takes one command name"],
  ])("refuses bad arguments: %s", (body, message) => {
    const { commands, errors } = parseCommands(body);
    expect(commands).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("INVALID_ARGUMENT");
    expect(errors[0]!.message).toContain(message);
  });

  it("reads at most MAX_COMMANDS_PER_COMMENT commands and says so", () => {
    const body = Array.from({ length: MAX_COMMANDS_PER_COMMENT + 3 }, () => "/canary refresh").join("\n");
    const { commands, errors } = parseCommands(body);
    expect(commands).toHaveLength(MAX_COMMANDS_PER_COMMENT);
    expect(errors.map((e) => e.code)).toEqual(["TOO_MANY_COMMANDS"]);
  });
});

describe("parseCommands: look-alike and invisible characters", () => {
  it.each([
    ["\u2215canary promote", "U+2215 DIVISION SLASH"],
    ["\uFF0Fcanary promote", "U+FF0F FULLWIDTH SOLIDUS"],
    ["\u2044canary promote", "U+2044 FRACTION SLASH"],
    ["\u29F8canary promote", "U+29F8 BIG SOLIDUS"],
    ["/\u0441anary promote", "U+0441"],
    ["/c\u200Banary promote", "U+200B"],
    ["/canary\u00A0promote", "U+00A0"],
    ["\uFF0F\uFF43\uFF41\uFF4E\uFF41\uFF52\uFF59 promote", "U+FF0F"],
  ])("a line that only looks like a command is an error naming the character: %j", (body, label) => {
    const { commands, errors } = parseCommands(body);
    expect(commands).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("LOOKALIKE_CHARACTER");
    expect(errors[0]!.message).toContain(label);
  });

  it("refuses a look-alike letter in the verb rather than suggesting the real verb", () => {
    const error = parseCommands("/canary pr\u043Emote").errors[0]!;
    expect(error.code).toBe("LOOKALIKE_CHARACTER");
    expect(error.message).toContain("U+043E");
  });

  it("refuses invisible characters anywhere in a command", () => {
    for (const body of ["/canary promote\u200B", "/canary pro\u200Dmote", "/canary skip-gate fix\u2060ed", "/canary promote pod\uFEFFinfo"]) {
      expect(codes(body)).toEqual(["INVISIBLE_CHARACTER"]);
    }
  });

  it("refuses look-alikes in a Canary name", () => {
    expect(parseCommands("/canary promote p\u043Edinfo").errors[0]!.message).toContain("only look like ASCII");
  });

  it("accepts non-ASCII text in a reason", () => {
    expect(parseCommands("/canary skip-gate Hotfix für den Ausfall").commands[0]!.reason).toBe("Hotfix für den Ausfall");
  });

  it("says nothing about ordinary text with odd characters", () => {
    expect(parseCommands("50\u2215100 done \u2014 ok").errors).toEqual([]);
  });
});

describe("parseCommands: code, quotes and comments", () => {
  it.each([
    ["a backtick fence", "```\n/canary promote\n```"],
    ["a tilde fence", "~~~yaml\n/canary promote\n~~~"],
    ["a long fence closed by a longer one", "`````\n```\n/canary promote\n``````"],
    ["an indented fence", "   ```\n/canary promote\n   ```"],
    ["an unclosed fence", "```\n\n/canary promote"],
    ["a fence whose short closer does not close it", "````\n```\n/canary promote\n````"],
    ["a fence with a 4-space closer that does not close it", "```\n    ```\n/canary promote\n```"],
    ["a fence in a list item", "- ```\n  /canary promote\n  ```"],
    ["an indented code block", "text\n\n    /canary promote"],
    ["a tab-indented code block", "\t/canary promote"],
    ["inline code", "`/canary promote`"],
    ["inline code across lines", "run `\n/canary promote\n` to promote"],
    ["a double-backtick span across lines", "run `` a ` b\n/canary promote ``"],
    ["a quote", "> /canary promote"],
    ["a nested quote", "> > /canary promote"],
    ["a quote's lazy continuation", "> alice said\n/canary promote"],
    ["an HTML comment", "<!-- /canary promote -->"],
    ["a multi-line HTML comment", "<!--\n/canary promote\n-->"],
    ["an HTML comment opened after text", "ok <!-- hidden\n/canary promote\n-->"],
    ["a <pre> block", "<pre>\n/canary promote\n</pre>"],
    ["a <details> block", "<details>\n/canary promote\n</details>"],
  ])("ignores a command in %s", (_, body) => {
    expect(parseCommands(body).commands).toEqual([]);
  });

  it("reads the command after a closed fence, quote, comment or code span", () => {
    const body = ["```", "/canary approve", "```", "/canary promote", "> /canary rollback", "", "/canary advance", "<!-- x -->", "/canary hold", "`a", "b`", "/canary unhold"].join("\n");
    expect(parseCommands(body).commands.map((c) => [c.verb, c.line])).toEqual([["promote", 4], ["advance", 7], ["hold", 9], ["unhold", 12]]);
  });

  it("pairs backtick runs by length: an unmatched run is literal", () => {
    expect(verbs("a ``` b\n/canary promote")).toEqual(["promote"]);
    expect(verbs("`a` and `b`\n/canary promote")).toEqual(["promote"]);
    expect(verbs("\\`a\n/canary promote\nb`")).toEqual(["promote"]);
  });

  it("does not read a command where renderers disagree whether a container's open fence still holds it", () => {
    // CommonMark ends these fences with their list item or quote; marked keeps them open.
    expect(verbs("- ```\n  /canary rollback\n/canary promote")).toEqual([]);
    expect(verbs("> ```\n> /canary rollback\n\n/canary promote")).toEqual([]);
  });

  it("reads the command after a container's fence that is closed", () => {
    expect(verbs("- item\n\n  ```\n  /canary rollback\n  ```\n/canary promote")).toEqual(["promote"]);
    expect(verbs("> ```\n> /canary rollback\n> ```\n\n/canary promote")).toEqual(["promote"]);
  });

  it("explains a command swallowed by a quote", () => {
    expect(parseCommands("> we should\n/canary promote").errors).toEqual([
      { code: "QUOTE_CONTINUATION", line: 2, suggestion: null, message: expect.stringContaining("leave a blank line") },
    ]);
  });

  it("explains a command in a list item or indented as a continuation", () => {
    expect(codes("- /canary promote")).toEqual(["NOT_AT_LINE_START"]);
    expect(codes("please\n    /canary promote")).toEqual(["NOT_AT_LINE_START"]);
  });

  it("refuses a command carrying an HTML comment", () => {
    expect(codes("/canary promote <!-- secretly --> podinfo")).toEqual(["HIDDEN_TEXT"]);
  });

  it("ignores a command inside an HTML comment without an error", () => {
    expect(parseCommands("<!-- /canary promote -->")).toEqual({ commands: [], errors: [] });
  });
});
