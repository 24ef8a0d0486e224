/** docs/approvals.md must stay true to the code: every command's usage, and its Canary example. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseCommands } from "../../src/commands/parse.js";
import { COMMAND_VERBS, VERBS, isGateHook } from "../../src/commands/verbs.js";

const doc = readFileSync(join(import.meta.dirname, "../../docs/approvals.md"), "utf8");

describe("docs/approvals.md", () => {
  it("documents every command with its exact usage", () => {
    for (const verb of COMMAND_VERBS) expect(doc).toContain(`\`${VERBS[verb].usage}\``);
  });

  it("gives examples the parser reads as documented", () => {
    // Usage patterns have brackets; "/canary promot" is the doc's example of a misspelling.
    const examples = [...doc.matchAll(/`(\/canary [^`]+)`/g)].map((m) => m[1]!).filter((e) => !/[[\]|]/.test(e) && e !== "/canary promot");
    expect(examples.length).toBeGreaterThan(3);
    for (const example of examples) {
      const parsed = parseCommands(example);
      expect(parsed.errors, example).toEqual([]);
      expect(parsed.commands, example).toHaveLength(1);
    }
  });

  it("points each gate webhook of its Canary at the URL of its own hook type", () => {
    const yamlBlock = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes("kind: Canary"))!;
    const canary = parseAllDocuments(yamlBlock)[0]!.toJS() as { spec: { analysis: { webhooks: Array<{ type: string; url: string }> } } };
    const hooks = canary.spec.analysis.webhooks;
    expect(hooks.length).toBeGreaterThan(0);
    for (const hook of hooks) {
      expect(isGateHook(hook.type)).toBe(true);
      expect(hook.url).toMatch(new RegExp(`/flagger/gates/[a-z0-9-]+/${hook.type}\\?token=\\$\\{CANARY_BOT_TOKEN\\}$`));
    }
  });
});
