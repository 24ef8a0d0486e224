import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkMermaidDiagrams, extractMermaidBlocks, openMermaidChecker } from "./mermaid.js";

describe("the Mermaid checker itself", () => {
  let checker: Awaited<ReturnType<typeof openMermaidChecker>>;
  beforeAll(async () => {
    checker = await openMermaidChecker();
  });
  afterAll(() => checker?.close());

  it("accepts a valid gantt chart and rejects broken ones", async () => {
    const results = await checker.check([
      "gantt\n  dateFormat X\n  axisFormat %s\n  section A\n  step :a1, 0, 60",
      "gantt\n  dateFormat X\n  section A\n  step : a1, 0, ,, 60 :: ;",
      "flowchart LR\n  A --> B --> ",
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    expect(results[1]!.error).toBeTruthy();
  });

  it("checkMermaidDiagrams opens its own browser and reports each diagram", async () => {
    const results = await checkMermaidDiagrams(["flowchart LR\n  A --> B", "gantt\n  dateFormat X\n  section A\n  step :a1, 0, 60", "sequenceDiagram\n  A->>"]);
    expect(results.map(({ source, ok }) => ({ source: source.split("\n")[0], ok }))).toEqual([
      { source: "flowchart LR", ok: true },
      { source: "gantt", ok: true },
      { source: "sequenceDiagram", ok: false },
    ]);
    expect(results[2]!.error).toMatch(/\S/);
  });

  it("finds the mermaid blocks of a Markdown text", () => {
    expect(extractMermaidBlocks("a\n```mermaid\ngantt\n  x\n```\nb\n````mermaid\nflowchart\n````")).toEqual(["gantt\n  x", "flowchart"]);
  });
});
