/**
 * Citations a reader can follow: messages cite Flagger's source by function and file (linked to
 * v1.44.0 in the comment); code comments cite our own notes in docs/, whose sections exist.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { escapeText } from "../../src/markdown/escape.js";
import { FLAGGER_FILES, linkFlaggerSources } from "../../src/markdown/flagger-source.js";

const ROOT = join(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}
const SOURCES = sourceFiles(join(ROOT, "src")).map((path) => ({ path: path.slice(ROOT.length + 1), text: readFileSync(path, "utf8") }));

describe("citations in src/", () => {
  it("never name a reference file that is not in the repository", () => {
    const stray = SOURCES.flatMap(({ path, text }) => [...text.matchAll(/(?<!docs\/)flagger-(scheduler|routing)\.md/g)].map((m) => `${path}: ${text.slice(m.index - 40, m.index + 30)}`));
    expect(stray).toEqual([]);
  });

  it("cite Flagger files that are in the closed list of linked files", () => {
    const cited = SOURCES.flatMap(({ text }) => [...text.matchAll(/Flagger v1\.44 ([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/(?:pkg|artifacts)\/[\w/.-]*[\w/]/g)].map((p) => p[0])));
    expect(cited.length).toBeGreaterThan(100);
    expect([...new Set(cited)].filter((path) => !FLAGGER_FILES.has(path))).toEqual([]);
  });

  it("cite sections of docs/flagger-*.md that exist", () => {
    const headings = (doc: string) => new Set([...readFileSync(join(ROOT, "docs", doc), "utf8").matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!));
    const sections = { "flagger-scheduler.md": headings("flagger-scheduler.md"), "flagger-routing.md": headings("flagger-routing.md") };
    const missing = SOURCES.flatMap(({ path, text }) =>
      [...text.matchAll(/docs\/(flagger-(?:scheduler|routing)\.md) §(\d+(?:\.\d+)?)/g)]
        // A subsection our condensed notes fold into its section (§8.6 is in §8) is found by its section.
        .filter((m) => !sections[m[1] as keyof typeof sections].has(m[2]!) && !sections[m[1] as keyof typeof sections].has(m[2]!.split(".")[0]!))
        .map((m) => `${path}: ${m[0]}`),
    );
    expect(missing).toEqual([]);
  });
});

describe("linkFlaggerSources", () => {
  it("links the cited files of a message, escaped or not, and nothing else", () => {
    const message = escapeText("Flagger promotes late (Flagger v1.44 runCanary in pkg/controller/scheduler_metrics.go). See pkg/evil/x.go.");
    expect(linkFlaggerSources(message)).toBe(
      "Flagger promotes late (Flagger v1.44 runCanary in [pkg/controller/scheduler\\_metrics.go](https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/controller/scheduler_metrics.go)). See pkg/evil/x.go.",
    );
    expect(linkFlaggerSources("in pkg/metrics/providers/.")).toBe("in [pkg/metrics/providers/](https://github.com/fluxcd/flagger/tree/v1.44.0/pkg/metrics/providers/).");
    expect(linkFlaggerSources("`pkg/router/istio.go`")).toBe("`pkg/router/istio.go`");
  });
});
