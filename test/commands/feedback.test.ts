import fc from "fast-check";
import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { buildGatePrompts, buildReactions, listCanariesWithChangedGates, renderCommandError, renderGatePrompt, renderHelp, renderRefusal } from "../../src/commands/feedback.js";
import type { CanaryIdentity, CommandRecord, GateCallRecord } from "../../src/commands/records.js";
import { APPROVAL_ROWS, renderApprovalsSection } from "../../src/commands/render-approvals.js";
import { findMarkdownProblems } from "../support/gfm.js";

const podinfo: CanaryIdentity = { environment: "staging", cluster: "staging", namespace: "test", name: "podinfo" };

const record = (overrides: Partial<CommandRecord> = {}): CommandRecord => ({
  key: "comment/1/line/1/staging/test/podinfo",
  verb: "promote",
  hook: "confirm-promotion",
  outcome: "accepted",
  refusal: null,
  grounds: "alice is an approver of staging (listed by name)",
  actor: "alice",
  at: "2026-11-29T10:05:00Z",
  repository: "o/r",
  pullRequest: 7,
  commentId: 1,
  line: 1,
  headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
  canary: podinfo,
  runId: "staging/test/podinfo#3",
  revision: "podinfo=ghcr.io/stefanprodan/podinfo:6.5.1",
  reason: null,
  consumedAt: null,
  invalidatedAt: null,
  invalidation: null,
  ...overrides,
});

/** The text a reader sees: rendered HTML without tags. */
function rendered(markdown: string): string {
  return (marked.parse(markdown, { gfm: true, async: false }) as string).replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

describe("buildReactions", () => {
  it("thumbs up an accepted command, down a refused one, confused at one that could not be read", () => {
    expect(buildReactions({ records: [record()], errors: 0 })).toEqual(["+1"]);
    expect(buildReactions({ records: [record({ outcome: "refused" })], errors: 0 })).toEqual(["-1"]);
    expect(buildReactions({ records: [], errors: 1 })).toEqual(["confused"]);
    expect(buildReactions({ records: [record(), record({ outcome: "refused" })], errors: 2 })).toEqual(["+1", "-1", "confused"]);
    expect(buildReactions({ records: [], errors: 0 })).toEqual([]);
  });
});

describe("feedback text", () => {
  it("prompts at a gate with the command that opens it", () => {
    expect(renderGatePrompt({ canary: podinfo, hook: "confirm-promotion", qualify: false })).toBe("podinfo in staging is waiting for promotion: comment `/canary promote`");
    expect(renderGatePrompt({ canary: podinfo, hook: "confirm-rollout", qualify: true })).toBe(
      "podinfo in staging is waiting for approval to start its rollout: comment `/canary approve test/podinfo --env staging`",
    );
    expect(renderGatePrompt({ canary: podinfo, hook: "confirm-traffic-increase", qualify: false })).toContain("`/canary advance`");
  });

  it("says who was refused and why, escaped", () => {
    const text = renderRefusal(record({ outcome: "refused", actor: "mallory", refusal: "mallory is not an approver <b>@admins</b>" }));
    expect(text).toBe("`/canary promote` for test/podinfo in staging by mallory was refused: mallory is not an approver &lt;b&gt;@\u2060admins&lt;/b&gt;");
    expect(renderCommandError({ actor: "bob", error: { line: 2, message: 'the command "pr\u043Emote" contains U+043E' } })).toBe(
      'A command by bob (line 2) was not read: the command "pr\u043Emote" contains U+043E',
    );
  });

  it("lists every command in the help, or one", () => {
    const help = renderHelp();
    for (const verb of ["help", "refresh", "approve", "advance", "promote", "rollback", "hold", "unhold", "skip-gate"]) expect(help).toContain(`/canary ${verb}`);
    expect(renderHelp("promote")).toContain("opens confirm-promotion");
    expect(renderHelp("promote")).not.toContain("skip-gate");
    expect(findMarkdownProblems(help)).toEqual([]);
  });
});

describe("escaping (src/markdown/escape.ts, the one escaping module)", () => {
  it("keeps any reason inert in the audit trail: no element but code spans, no live mention or reference", () => {
    const unit = fc.constantFrom(..."ab <>&\"'`*_[]()!|~@#1\\\n:/{}=-+".split(""), "https://x.io", "www.y", "<img src=x>", "</details>");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (reason) => {
        const section = renderApprovalsSection({ records: [record({ verb: "hold", hook: null, reason, actor: "mallory" })] });
        expect(findMarkdownProblems(section)).toEqual([]);
        const html = marked.parse(section, { gfm: true, async: false }) as string;
        const tags = [...html.matchAll(/<([a-z][a-z0-9]*)/gi)].map((m) => m[1]!.toLowerCase());
        expect(tags.filter((t) => !["h4", "table", "thead", "tbody", "tr", "th", "td", "code", "p", "a"].includes(t))).toEqual([]);
        const text = html.replace(/<code>[\s\S]*?<\/code>/g, "").replace(/<[^>]+>/g, "");
        expect(text).not.toMatch(/@[A-Za-z0-9]/);
        expect(text).not.toMatch(/(?<!&)#[0-9]/); // &#39; is marked's apostrophe
      }),
      { numRuns: 300 },
    );
  });
});

describe("renderApprovalsSection", () => {
  it("shows who, what, when, head, run and outcome, newest first", () => {
    const section = renderApprovalsSection({
      records: [
        record(),
        record({ key: "k2", actor: "bob", at: "2026-11-29T10:06:00Z", outcome: "refused", refusal: "bob is not an approver of staging", grounds: null }),
        record({ key: "k3", verb: "skip-gate", hook: null, runId: null, reason: "hotfix for INC-42", at: "2026-11-29T10:07:00Z", consumedAt: null }),
        record({ key: "k4", at: "2026-11-29T10:04:00Z", consumedAt: "2026-11-29T10:10:00Z" }),
        record({ key: "k5", at: "2026-11-29T10:03:00Z", invalidatedAt: "2026-11-29T10:08:00Z", invalidation: "pushed to: head ec26c3e → f00dfac" }),
      ],
    });
    expect(section).toMatchInlineSnapshot(`
      "#### Approvals

      | When | Who | Command | For | Outcome |
      |---|---|---|---|---|
      | 2026-11-29 10:07 UTC | alice | \`/canary skip-gate\` hotfix for INC-42 | test/podinfo in staging, head \`ec26c3e\` | ✅ accepted |
      | 2026-11-29 10:06 UTC | bob | \`/canary promote\` | test/podinfo in staging, head \`ec26c3e\`, run staging/test/podinfo#⁠3 | ❌ refused: bob is not an approver of staging |
      | 2026-11-29 10:05 UTC | alice | \`/canary promote\` | test/podinfo in staging, head \`ec26c3e\`, run staging/test/podinfo#⁠3 | ✅ accepted, confirm-promotion opens for this run |
      | 2026-11-29 10:04 UTC | alice | \`/canary promote\` | test/podinfo in staging, head \`ec26c3e\`, run staging/test/podinfo#⁠3 | ✅ opened confirm-promotion at 2026-11-29 10:10 UTC |
      | 2026-11-29 10:03 UTC | alice | \`/canary promote\` | test/podinfo in staging, head \`ec26c3e\`, run staging/test/podinfo#⁠3 | ⚪ void since 2026-11-29 10:08 UTC: pushed to: head ec26c3e → f00dfac |"
    `);
    // A run id as the records build it shows when the run started.
    expect(renderApprovalsSection({ records: [record({ runId: "staging/test/podinfo@2026-11-29T12:00:00.000Z" })] })).toContain("head `ec26c3e`, run of 2026-11-29 12:00 UTC |");
    expect(findMarkdownProblems(section)).toEqual([]);
  });

  it("escapes hostile reasons and names so the table and the comment stay intact", () => {
    const hostile = "x</summary></details><h1>@org/admins</h1>`|` ![t](https://evil/p.png) #1";
    const section = renderApprovalsSection({ records: [record({ verb: "hold", hook: null, reason: hostile, actor: "mallory" })] });
    expect(findMarkdownProblems(section)).toEqual([]);
    const html = marked.parse(section, { gfm: true, async: false }) as string;
    expect(html).not.toMatch(/<h1>|<img|<\/details>/);
    // A URL stays a plain autolink, as GitHub would show it anywhere; it is never an image.
    expect(rendered(section)).toContain("x</summary></details><h1>@\u2060org/admins</h1>");
    const table = marked.lexer(section, { gfm: true }).find((t) => t.type === "table");
    expect(table && "rows" in table ? table.rows[0]!.length : 0).toBe(5);
  });

  it("summarises Flagger's gate calls: one row per gate with the latest answer", () => {
    const call = (at: string, status: 200 | 403): GateCallRecord => ({
      at,
      cluster: "staging",
      hook: "confirm-promotion",
      namespace: "test",
      name: "podinfo",
      phase: "Progressing",
      checksum: "85d557f47b",
      runId: "staging/test/podinfo#3",
      status,
      code: status === 200 ? "APPROVED" : "NOT_APPROVED",
      reason: status === 200 ? "opened by alice's /canary promote" : "waits for /canary promote",
      approvalKey: null,
    });
    const section = renderApprovalsSection({ records: [], gateCalls: [call("2026-11-29T10:08:00Z", 403), call("2026-11-29T10:10:00Z", 200), call("2026-11-29T10:09:00Z", 403)] });
    expect(section).toContain("| test/podinfo in cluster staging | confirm-promotion | 3 | 2026-11-29 10:10 UTC | ✅ 200: opened by alice's /canary promote |");
    expect(section).toContain("No command yet.");
    expect(findMarkdownProblems(section)).toEqual([]);
  });

  it("is empty without records, and bounded with many", () => {
    expect(renderApprovalsSection({ records: [] })).toBe("");
    const many = Array.from({ length: APPROVAL_ROWS + 5 }, (_, i) => record({ key: `k${i}` }));
    const section = renderApprovalsSection({ records: many });
    expect(section.split("\n").filter((l) => l.startsWith("| 2026"))).toHaveLength(APPROVAL_ROWS);
    expect(section).toContain("5 older commands are not shown.");
  });
});

describe("buildGatePrompts", () => {
  const call = (hook: string, at: string, status: 200 | 403, code: string, canary = podinfo): GateCallRecord => ({
    at,
    cluster: canary.cluster,
    hook,
    namespace: canary.namespace,
    name: canary.name,
    phase: "Progressing",
    checksum: null,
    runId: "r",
    status,
    code,
    reason: "",
    approvalKey: null,
  });

  it("prompts where the latest call waits for a command, and nowhere else", () => {
    const frontend = { ...podinfo, name: "frontend" };
    const calls = [
      call("confirm-promotion", "2026-11-29T10:00:00Z", 403, "NOT_APPROVED"),
      call("confirm-rollout", "2026-11-29T09:00:00Z", 403, "NOT_APPROVED"),
      call("confirm-rollout", "2026-11-29T09:05:00Z", 200, "APPROVED"),
      call("confirm-promotion", "2026-11-29T10:00:00Z", 403, "PHASE_MISMATCH", frontend),
      call("rollback", "2026-11-29T10:00:00Z", 403, "NOT_APPROVED"),
    ];
    expect(buildGatePrompts({ canaries: [podinfo], gateCalls: calls })).toEqual(["podinfo in staging is waiting for promotion: comment `/canary promote`"]);
    expect(buildGatePrompts({ canaries: [podinfo, frontend], gateCalls: calls })).toEqual([
      "podinfo in staging is waiting for promotion: comment `/canary promote test/podinfo --env staging`",
    ]);
    expect(buildGatePrompts({ canaries: [podinfo], gateCalls: [...calls, call("confirm-promotion", "2026-11-29T10:01:00Z", 200, "APPROVED")] })).toEqual([]);
  });
});

describe("listCanariesWithChangedGates", () => {
  const call = (params: { at: string; status: 200 | 403; code: string; hook?: string; name?: string; runId?: string }): GateCallRecord => ({
    at: params.at,
    cluster: "staging",
    hook: params.hook ?? "confirm-promotion",
    namespace: "test",
    name: params.name ?? "podinfo",
    phase: "WaitingPromotion",
    checksum: null,
    runId: params.runId ?? "run-1",
    status: params.status,
    code: params.code,
    reason: "",
    approvalKey: null,
  });
  const names = (list: Array<{ name: string }>) => list.map((c) => c.name);

  it("names a Canary whose gate answer changed, not one polled with the same answer", () => {
    const waiting = call({ at: "2026-11-29T10:00:00Z", status: 403, code: "NOT_APPROVED" });
    // Polled again and again with the same answer: nothing to redraw.
    expect(listCanariesWithChangedGates({ previous: [waiting], calls: [waiting, { ...waiting, at: "2026-11-29T10:01:00Z" }] })).toEqual([]);
    // The first call of a gate, a new answer, a new run: each is a change.
    expect(names(listCanariesWithChangedGates({ previous: [], calls: [waiting] }))).toEqual(["podinfo"]);
    expect(names(listCanariesWithChangedGates({ previous: [waiting], calls: [call({ at: "2026-11-29T10:02:00Z", status: 200, code: "APPROVED" })] }))).toEqual(["podinfo"]);
    expect(names(listCanariesWithChangedGates({ previous: [waiting], calls: [{ ...waiting, runId: "run-2" }] }))).toEqual(["podinfo"]);
    // A change inside the batch counts even when the batch ends where it started.
    const opened = call({ at: "2026-11-29T10:02:00Z", status: 200, code: "APPROVED" });
    expect(names(listCanariesWithChangedGates({ previous: [waiting], calls: [opened, { ...waiting, at: "2026-11-29T10:03:00Z" }] }))).toEqual(["podinfo"]);
  });

  it("keeps gates of one Canary apart, names each Canary once, and skips calls without a Canary", () => {
    const promotion = call({ at: "2026-11-29T10:00:00Z", status: 403, code: "NOT_APPROVED" });
    const rollout = call({ at: "2026-11-29T10:00:00Z", status: 403, code: "NOT_APPROVED", hook: "confirm-rollout" });
    expect(listCanariesWithChangedGates({ previous: [promotion], calls: [promotion, rollout, { ...rollout, at: "2026-11-29T10:01:00Z", status: 200, code: "APPROVED" }] })).toEqual([
      { cluster: "staging", namespace: "test", name: "podinfo" },
    ]);
    expect(listCanariesWithChangedGates({ previous: [], calls: [{ ...promotion, namespace: null, name: null }] })).toEqual([]);
  });
});
