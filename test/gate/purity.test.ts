/** DESIGN.md: nothing under gate/ imports Octokit, Probot, node:http, a database client or the file system. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const GATE = join(import.meta.dirname, "../../src/gate");
const FORBIDDEN = /^(?:node:)?(?:http|https|net|fs|fs\/promises|child_process)$|^(?:@octokit\/|probot|pg$|@electric-sql\/|@kubernetes\/)|\/(?:github|store|cluster|cli)\//;

describe("src/gate", () => {
  it("imports nothing that does I/O", () => {
    const files = readdirSync(GATE).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(3);
    const offending = files.flatMap((file) =>
      [...readFileSync(join(GATE, file), "utf8").matchAll(/^import[^"]*"([^"]+)";$/gm)].map((m) => m[1]!).filter((spec) => FORBIDDEN.test(spec)).map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
