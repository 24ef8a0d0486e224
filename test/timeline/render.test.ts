/**
 * The timeline renderings: every shape of Mermaid diagram the renderer emits is checked by
 * Mermaid itself in headless Chromium, and the Markdown by the GFM structure checker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTimelineMarkdown, renderTimelineMermaid } from "../../src/timeline/render-markdown.js";
import { renderTimelineText } from "../../src/timeline/render-text.js";
import type { Timeline } from "../../src/timeline/types.js";
import { findMarkdownProblems } from "../support/gfm.js";
import { extractMermaidBlocks, openMermaidChecker } from "../support/mermaid.js";
import { canaryYaml, timelineOf } from "./helpers.js";

const PODINFO = readFileSync(join(import.meta.dirname, "../../fixtures/timeline/podinfo-canary.yaml"), "utf8");
const base = "    interval: 1m\n    threshold: 2\n";

/** One timeline per shape the renderer can meet. */
const SHAPES: Record<string, Timeline> = {
  podinfo: timelineOf(PODINFO),
  "podinfo failing from tick 3": timelineOf(PODINFO, { failFromTick: 3 }),
  stepWeights: timelineOf(canaryYaml({ analysis: `${base}    stepWeights: [1, 2, 5, 10, 25, 50]` })),
  "promotion steps": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 30\n    maxWeight: 60\n    stepWeightPromotion: 20` })),
  "A/B": timelineOf(canaryYaml({ analysis: `${base}    iterations: 5\n    match:\n      - headers:\n          x-canary: {exact: "1"}` })),
  "blue/green": timelineOf(canaryYaml({ analysis: `${base}    iterations: 3` })),
  "blue/green mirror": timelineOf(canaryYaml({ analysis: `${base}    iterations: 3\n    mirror: true` })),
  "canary mirror": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 20\n    mirror: true` })),
  kubernetes: timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 20`, spec: "  provider: kubernetes\n" })),
  skipAnalysis: timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 20`, spec: "  skipAnalysis: true\n" })),
  "stall at 0": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 0` })),
  "stall before detection": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 10\n    primaryReadyThreshold: 200` })),
  "200 ticks": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 1\n    maxWeight: 100\n    stepWeightPromotion: 1` })),
  "hostile name": timelineOf(canaryYaml({ name: `"a;b%%{init}%%<script>x</script>#:"`, analysis: `${base}    stepWeight: 50` })),
  "hostile hook and metric names": timelineOf(
    canaryYaml({
      name: `"%%{init: {'theme':'dark'}}%%"`,
      analysis: `${base}    stepWeight: 50
    metrics:
      - name: "x|y<img src=q>@org/team"
        templateRef: {name: t}
        interval: 1m
    webhooks:
      - name: "a|b<script>alert(1)</script>"
        type: rollout
        url: http://x/
      - name: "\`\`\`"
        type: pre-rollout
        url: http://x/`,
    }),
    { failFromTick: 3 },
  ),
  "no ticks (hand-written)": {
    name: "empty",
    provider: "istio",
    strategy: "canary",
    strategyDescription: "canary",
    intervalSeconds: 60,
    threshold: 1,
    ticks: [],
    minSecondsToPromotion: null,
    worstCaseSecondsToRollback: null,
    secondsFromFirstFailureToRollback: null,
    notes: [],
  },
};

describe("timeline Markdown and Mermaid (rendered for the PR comment)", () => {
  let checker: Awaited<ReturnType<typeof openMermaidChecker>>;
  beforeAll(async () => {
    checker = await openMermaidChecker();
  });
  afterAll(() => checker?.close());

  it("every diagram shape parses and renders in Mermaid", async () => {
    const sources = Object.values(SHAPES).map(renderTimelineMermaid);
    const results = await checker.check(sources);
    expect(results.filter((r) => !r.ok).map((r) => `${r.error}\n${r.source}`)).toEqual([]);
  });

  it("every rendering is well-formed GitHub Markdown, with exactly the checked diagram in its mermaid block", () => {
    for (const [name, timeline] of Object.entries(SHAPES)) {
      const markdown = renderTimelineMarkdown(timeline);
      expect({ name, problems: findMarkdownProblems(markdown) }).toEqual({ name, problems: [] });
      expect({ name, blocks: extractMermaidBlocks(markdown) }).toEqual({ name, blocks: [renderTimelineMermaid(timeline)] });
    }
  });

  it("draws the podinfo traffic as one bar per weight and one per phase", () => {
    expect(renderTimelineMermaid(SHAPES.podinfo!)).toBe(
      [
        "gantt",
        "  title podinfo (seconds after detection)",
        "  dateFormat X",
        "  axisFormat %s",
        "  section Canary traffic",
        "  canary 0% :t0, 0, 60",
        "  canary 10% :t1, 60, 120",
        "  canary 20% :t2, 120, 180",
        "  canary 30% :t3, 180, 240",
        "  canary 40% :t4, 240, 300",
        "  canary 50% :t5, 300, 420",
        "  canary 0% :t6, 420, 540",
        "  section Phase",
        "  Progressing :p0, 0, 360",
        "  Promoting :p1, 360, 420",
        "  Finalising :p2, 420, 480",
        "  Succeeded :done, p3, 480, 540",
      ].join("\n"),
    );
  });

  it("keeps a 200-tick run readable: bars and rows are capped, with the beginning and the end", () => {
    const long = SHAPES["200 ticks"]!;
    expect(long.ticks.length).toBeGreaterThan(150);
    const mermaid = renderTimelineMermaid(long);
    expect(mermaid.split("\n").filter((l) => l.includes(":t")).length).toBeLessThanOrEqual(30);
    expect(mermaid).toContain("more steps");
    const markdown = renderTimelineMarkdown(long);
    expect(markdown.split("\n").filter((l) => l.startsWith("| ")).length).toBeLessThanOrEqual(42);
    expect(markdown).toContain("more rows");
  });

  it("cannot be steered by a hostile Canary name", () => {
    const mermaid = renderTimelineMermaid(SHAPES["hostile name"]!);
    expect(mermaid.split("\n")[1]).toBe("  title a_b___init____script_x_/script___ (seconds after detection)");
    // The name appears only in the title, where nothing but name characters survives.
    expect(mermaid.split("\n").filter((l) => l.includes("script"))).toHaveLength(1);
    expect(mermaid.split("\n")[1]).not.toMatch(/[<>;#"%:{}]/);
  });

  it("keeps hostile hook and metric names inert in the table (sanitized, pipes escaped)", () => {
    const markdown = renderTimelineMarkdown(SHAPES["hostile hook and metric names"]!);
    expect(findMarkdownProblems(markdown)).toEqual([]);
    expect(markdown).not.toMatch(/<script|<img/);
    expect(markdown).toContain("a\\|b&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(markdown).toContain("x\\|y&lt;img src=q&gt;@\u2060org/team");
    // Hook and metric names never reach the diagram; the Canary name only as name characters.
    const mermaid = renderTimelineMermaid(SHAPES["hostile hook and metric names"]!);
    expect(mermaid).not.toMatch(/script|img|%%|\{/);
  });

  it("leaves the diagram or the table out on request", () => {
    const podinfo = SHAPES.podinfo!;
    expect(renderTimelineMarkdown(podinfo, { diagram: false })).not.toContain("```mermaid");
    expect(renderTimelineMarkdown(podinfo, { table: false })).not.toContain("| Tick |");
    expect(renderTimelineMarkdown(podinfo)).toContain("```mermaid");
  });

  it("says where a stalled rollout sticks", () => {
    expect(renderTimelineMarkdown(SHAPES["stall at 0"]!)).toContain("> [!WARNING]\n> This rollout never finishes: from tick 1 (Progressing)");
  });

  it("renders the podinfo table and figures", () => {
    const markdown = renderTimelineMarkdown(SHAPES.podinfo!);
    expect(markdown.split("\n")[0]).toBe("**Promotes in** 8m · **worst-case rollback** 9m · **first failure → rollback** 3m · interval 1m, threshold 3, provider istio");
    expect(markdown).toContain("| 1 | 1m | Progressing | 90 / 10 | pre-rollout acceptance-test | – | Starting canary analysis: pre-rollout hooks (no metric checks on this tick). Advance canary weight 10. |");
    expect(markdown).toContain("| 6 | 6m | Promoting | 50 / 50 | rollout load-test | request-success-rate [1m], request-duration [30s] |");
  });

  it("groups a run of identical failing ticks into one row", () => {
    const markdown = renderTimelineMarkdown(SHAPES["podinfo failing from tick 3"]!);
    expect(markdown).toContain("| 3–5 | 3m–5m | Progressing | 80 / 20 | ✗ rollout load-test | – | Rollout hook load-test failed: 3/3 failed checks; traffic stays where it is. (×3) |");
  });
});

describe("any name is inert (property)", () => {
  it("keeps arbitrary Canary, hook and metric names out of Mermaid syntax and Markdown structure", () => {
    const podinfo = SHAPES["podinfo failing from tick 3"]!;
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (name, hook, metric) => {
        const timeline: Timeline = {
          ...podinfo,
          name,
          namespace: hook,
          provider: metric,
          notes: [name],
          ticks: podinfo.ticks.map((t) => ({ ...t, hooks: t.hooks.map((h) => ({ ...h, name: hook })), metrics: t.metrics.map((m) => ({ ...m, name: metric })), events: [hook] })),
        };
        const mermaid = renderTimelineMermaid(timeline);
        expect(mermaid.split("\n")[1]).toMatch(/^  title [A-Za-z0-9 ._()/-]*$/);
        expect(mermaid.split("\n").slice(2).join("\n")).toBe(renderTimelineMermaid(podinfo).split("\n").slice(2).join("\n"));
        expect(findMarkdownProblems(renderTimelineMarkdown(timeline))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("timeline text (for the terminal)", () => {
  it("prints aligned columns and the figures", () => {
    const text = renderTimelineText(SHAPES.podinfo!);
    const lines = text.split("\n");
    expect(lines[0]).toBe("test/podinfo: canary: 10% steps up to 50%, promotion in one step (provider istio, interval 1m, threshold 3)");
    expect(lines[1]).toBe("tick  time  phase        primary/canary  iter  failed  hooks and checks");
    expect(lines[2]).toBe("0     0s    Progressing  100/0           0     0       -");
    expect(lines[3]).toBe("1     1m    Progressing  90/10           0     0       pre-rollout:acceptance-test");
    expect(text).toContain("promotes in: 8m; worst-case rollback: 9m; first failure to rollback: 3m\n");
  });

  it("cannot send control sequences to the terminal", () => {
    const timeline = { ...SHAPES.podinfo!, name: "pod\u001b[2Jinfo\rx", notes: ["a\u0007b"] };
    const text = renderTimelineText(timeline);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split("\n")[0]!.startsWith("test/pod?[2Jinfo?x: ")).toBe(true);
    expect(text).toContain("note: a?b\n");
  });
});
