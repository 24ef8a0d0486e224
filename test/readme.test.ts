/** The README shows the exact comment of the fixture review, and the commands it documents exist. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findMarkdownProblems } from "./support/gfm.js";

const ROOT = join(import.meta.dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("embeds the committed review snapshot verbatim", () => {
    const snapshot = readFileSync(join(ROOT, "fixtures/gitops-podinfo/expected-review.md"), "utf8").trimEnd();
    const start = README.indexOf("-->\n\n", README.indexOf("<!-- review example: start")) + 5;
    const end = README.indexOf("\n\n<!-- review example: end -->");
    expect(README.slice(start, end)).toBe(snapshot);
  });

  it("is well-formed GitHub Markdown", () => {
    expect(findMarkdownProblems(README)).toEqual([]);
  });

  it("starts with the install-and-run and test commands, and they are npm scripts", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)![1]!;
    expect(firstBlock).toContain("npm ci && npm run demo");
    expect(firstBlock).toContain("npm test");
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["demo", "test", "bench", "start"]));
    expect(readFileSync(join(ROOT, ".ci/run"), "utf8")).toContain("npm test");
  });
});
