/**
 * The timeline renderings: every shape of Mermaid diagram the renderer emits is checked by
 * Mermaid itself in headless Chromium, and the Markdown by the GFM structure checker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRange, renderTimelineMarkdown, renderTimelineMermaid, renderWeightChart, samplePoints, WEIGHT_LINE_COLOR } from "../../src/timeline/render-markdown.js";
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
  "50 steps": timelineOf(canaryYaml({ analysis: `${base}    stepWeight: 1\n    maxWeight: 50` })),
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
    const sources = Object.values(SHAPES).flatMap((t) => [renderTimelineMermaid(t), renderWeightChart(t)].filter((d) => d !== undefined));
    expect(sources.length).toBeGreaterThan(Object.keys(SHAPES).length + 10);
    const results = await checker.check(sources);
    expect(results.filter((r) => !r.ok).map((r) => `${r.error}\n${r.source}`)).toEqual([]);
  });

  it("every rendering is well-formed GitHub Markdown, with exactly the checked diagram in its mermaid block", () => {
    for (const [name, timeline] of Object.entries(SHAPES)) {
      const markdown = renderTimelineMarkdown(timeline);
      expect({ name, problems: findMarkdownProblems(markdown) }).toEqual({ name, problems: [] });
      const expected = [renderWeightChart(timeline), renderTimelineMermaid(timeline)].filter((d) => d !== undefined);
      expect({ name, blocks: extractMermaidBlocks(markdown) }).toEqual({ name, blocks: expected });
    }
  });

  it("draws the podinfo traffic as one bar per weight and one per phase, in milliseconds", () => {
    expect(renderTimelineMermaid(SHAPES.podinfo!)).toBe(
      [
        "gantt",
        "  title podinfo (seconds after detection)",
        "  dateFormat x",
        "  axisFormat %s",
        "  todayMarker off",
        "  section Canary traffic",
        "  canary 0% :t0, 0, 60000",
        "  canary 10% :t1, 60000, 120000",
        "  canary 20% :t2, 120000, 180000",
        "  canary 30% :t3, 180000, 240000",
        "  canary 40% :t4, 240000, 300000",
        "  canary 50% :t5, 300000, 420000",
        "  canary 0% :t6, 420000, 540000",
        "  section Phase",
        "  Progressing :p0, 0, 360000",
        "  Promoting :p1, 360000, 420000",
        "  Finalising :p2, 420000, 480000",
        "  Succeeded :done, p3, 480000, 540000",
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
    expect(markdown).toContain("| 6 | 6m | Promoting | 50 / 50 | rollout load-test | request-success-rate \\[1m], request-duration \\[30s] |");
  });

  it("groups a run of identical failing ticks into one row", () => {
    const markdown = renderTimelineMarkdown(SHAPES["podinfo failing from tick 3"]!);
    expect(markdown).toContain("| 3–5 | 3m–5m | Progressing | 80 / 20 | ✗ rollout load-test | – | Rollout hook load-test failed: 1–3/3 failed checks; traffic stays where it is. |");
  });
});

describe("the pictures are right (geometry measured in Chromium)", () => {
  let checker: Awaited<ReturnType<typeof openMermaidChecker>>;
  beforeAll(async () => {
    checker = await openMermaidChecker();
  });
  afterAll(() => checker?.close());

  /** Pixels per unit from two axis labels, checked against a third when there is one. */
  const axis = (labels: Array<{ label: string; at: number }>) => {
    const numeric = labels.filter((l) => /^-?\d+(\.\d+)?$/.test(l.label)).map((l) => ({ value: Number(l.label), at: l.at }));
    expect(numeric.length).toBeGreaterThanOrEqual(2);
    const [a, b] = [numeric[0]!, numeric[numeric.length - 1]!];
    const scale = (b.at - a.at) / (b.value - a.value);
    return { toPixel: (value: number) => a.at + (value - a.value) * scale, toValue: (px: number) => a.value + (px - a.at) / scale };
  };

  for (const name of ["podinfo", "50 steps", "promotion steps", "podinfo failing from tick 3", "blue/green"]) {
    it(`${name}: each traffic bar starts where the previous one ends, at its tick's time on the axis`, async () => {
      const timeline = SHAPES[name]!;
      const geometry = await checker.measure(renderTimelineMermaid(timeline));
      expect(geometry.ok).toBe(true);
      const bars = geometry.tasks.filter((t) => t.id.startsWith("t")).sort((x, y) => Number(x.id.slice(1)) - Number(y.id.slice(1)));
      const source = renderTimelineMermaid(timeline).split("\n").filter((l) => / :t\d+, /.test(l));
      expect(bars).toHaveLength(source.length);
      // Bars of a gantt chart lie in one row each; a staircase from 0 (the old bug) fails here.
      for (let i = 1; i < bars.length; i += 1) expect(Math.abs(bars[i]!.left - bars[i - 1]!.right)).toBeLessThanOrEqual(1.5);
      // And each bar starts at its time: the axis labels (seconds) place it.
      const x = axis(geometry.axisTicks.map((t) => ({ label: t.label, at: t.x })));
      source.forEach((line, i) => {
        const [, start, end] = / :t\d+, (\d+), (\d+)$/.exec(line)!;
        expect(Math.abs(bars[i]!.left - x.toPixel(Number(start) / 1000))).toBeLessThanOrEqual(1.5);
        expect(Math.abs(bars[i]!.right - x.toPixel(Number(end) / 1000))).toBeLessThanOrEqual(1.5);
      });
      expect(bars[0]!.left).toBeCloseTo(x.toPixel(0), 0);
      expect(bars[bars.length - 1]!.right).toBeCloseTo(x.toPixel(timeline.ticks[timeline.ticks.length - 1]!.seconds + timeline.intervalSeconds), 0);
    });
  }

  for (const name of ["podinfo", "50 steps", "promotion steps", "canary mirror", "200 ticks"]) {
    it(`${name}: the weight line passes through the timeline's weights, in light and dark themes`, async () => {
      const timeline = SHAPES[name]!;
      const chart = renderWeightChart(timeline)!;
      const sampled = samplePoints(timeline.ticks, 120);
      for (const theme of ["default", "dark"] as const) {
        const geometry = await checker.measure(chart, { theme });
        expect(geometry.ok).toBe(true);
        expect(geometry.lines).toHaveLength(1);
        const line = geometry.lines[0]!;
        expect(line.stroke.toLowerCase()).toBe(WEIGHT_LINE_COLOR);
        expect(line.points).toHaveLength(sampled.length);
        const x = axis(geometry.xLabels.map((l) => ({ label: l.label, at: l.x })));
        const y = axis(geometry.yLabels.map((l) => ({ label: l.label, at: l.y })));
        sampled.forEach((tick, i) => {
          expect(x.toValue(line.points[i]!.x)).toBeCloseTo(tick.seconds / 60, 1);
          expect(y.toValue(line.points[i]!.y)).toBeCloseTo(tick.canaryWeight, 0);
        });
      }
    });
  }

  it("the line colour keeps 3:1 contrast on GitHub's light and dark backgrounds", () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const contrast = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (hi! + 0.05) / (lo! + 0.05);
    };
    expect(contrast(WEIGHT_LINE_COLOR, "#ffffff")).toBeGreaterThanOrEqual(3);
    expect(contrast(WEIGHT_LINE_COLOR, "#0d1117")).toBeGreaterThanOrEqual(3);
  });

  it("a 50-step rollout keeps one point per tick; a 2,000-tick run is sampled with a constant stride, ending on the last tick", () => {
    const fifty = SHAPES["50 steps"]!;
    expect(fifty.ticks.length).toBeGreaterThan(50);
    expect(samplePoints(fifty.ticks, 120)).toHaveLength(fifty.ticks.length);
    const long = SHAPES["200 ticks"]!;
    const sampled = samplePoints(long.ticks, 50);
    expect(sampled.length).toBeLessThanOrEqual(50);
    expect(sampled[sampled.length - 1]).toBe(long.ticks[long.ticks.length - 1]);
    const strides = new Set(sampled.slice(1).map((t, i) => t.tick - sampled[i]!.tick));
    expect(strides.size).toBe(1);
  });
});

describe("text that is true", () => {
  it("A/B iterations say which requests reach the canary, not 0 / 100, and draw no weight line", () => {
    const ab = SHAPES["A/B"]!;
    const markdown = renderTimelineMarkdown(ab);
    expect(markdown).not.toMatch(/\| 0 \/ 100 \|/);
    expect(markdown).toContain("| matching requests → canary, others → primary |");
    expect(renderWeightChart(ab)).toBeUndefined();
    expect(renderTimelineMermaid(ab)).toContain("matching requests to canary");
  });

  it("a grouped row says the range of its counters: Iteration 2–5/5, not 5/5", () => {
    const markdown = renderTimelineMarkdown(SHAPES["blue/green"]!);
    const row = markdown.split("\n").find((l) => l.startsWith("| 2–"))!;
    expect(row).toContain("Iteration 2–3/3");
    expect(describeRange("Iteration 2/50: x.", "Iteration 50/50: x.", 49)).toBe("Iteration 2–50/50: x.");
    expect(describeRange("a", "a", 3)).toBe("a (×3)");
    expect(describeRange("a 1", "b 2", 2)).toBe("a 1 … b 2 (×2)");
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
