/**
 * The comment as GitHub shows it (Chromium, GitHub's stylesheet, the 780 px comment column): no
 * table scrolls sideways, even with 40-character Canary names, and every diagram renders.
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/report/screenshots.test.ts` also writes the PNGs of
 * docs/screenshots (the README shows the demo's).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openGitHubPage, type GitHubPage } from "../support/github-page.js";
import { renderTimelineMarkdown } from "../../src/timeline/render-markdown.js";
import { reviewGenerated } from "../review/generated.js";
import { canaryYaml, timelineOf } from "../timeline/helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const SHOTS = join(ROOT, "docs/screenshots");
const UPDATE = process.env.UPDATE_SCREENSHOTS === "1";

/** Kubernetes names of 40 characters, the width the table must hold without scrolling. */
const longName = (index: number) => `checkout-payments-gateways-eu-west-1-${String(index).padStart(3, "0")}`;

const COMMENTS = {
  demo: readFileSync(join(ROOT, "fixtures/gitops-podinfo/expected-review.md"), "utf8"),
  "review-14": reviewGenerated(14, { errors: [3, 8, 12], rename: longName }).comment,
  "review-100": reviewGenerated(100, { errors: Array.from({ length: 20 }, (_, i) => 99 - i * 2), rename: longName }).comment,
  // A 50-step rollout: the line chart must stay readable (its geometry: test/timeline/render.test.ts).
  "timeline-50-steps": renderTimelineMarkdown(timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 1\n    maxWeight: 50\n" })), { table: false }),
};

describe("the comment in GitHub's layout", () => {
  let page: GitHubPage;
  beforeAll(async () => {
    page = await openGitHubPage();
    if (UPDATE) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(() => page?.close());

  it("the measurement can fail: a table with an unbreakable 150-character cell scrolls", async () => {
    const layout = await page.show(`| Canary | Verdict |\n| --- | --- |\n| \`${"x".repeat(150)}\` | ok |`);
    expect(layout.overflowingTables).toHaveLength(1);
  });

  it("uses names of 40 characters in the wide reviews", () => {
    expect(longName(12)).toHaveLength(40);
    expect(COMMENTS["review-14"]).toContain(`\`apps/${longName(12)}\``);
  });

  for (const [name, comment] of Object.entries(COMMENTS)) {
    it(`${name}: no table scrolls sideways at 780 px, every diagram renders`, async () => {
      const layout = await page.show(comment, { open: true });
      expect(layout.overflowingTables).toEqual([]);
      expect(layout.diagramErrors).toEqual([]);
      if (name !== "review-100") expect(layout.diagrams).toBeGreaterThan(0);
      if (name === "timeline-50-steps") expect(layout.diagrams).toBe(2);
      if (UPDATE) {
        await page.show(comment, { open: name === "demo" });
        await page.screenshot(join(SHOTS, `${name}.png`));
      }
    });
  }

  it("the demo in the dark theme: diagrams render there too", async () => {
    const layout = await page.show(COMMENTS.demo, { theme: "dark", open: true });
    expect(layout.diagramErrors).toEqual([]);
    expect(layout.overflowingTables).toEqual([]);
    if (UPDATE) await page.screenshot(join(SHOTS, "demo-dark.png"));
  });
});
