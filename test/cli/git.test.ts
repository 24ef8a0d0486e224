import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTree, readBlobs } from "../../src/cli/git.js";

describe("readBlobs", () => {
  let repo: string;
  // Larger than a pipe's chunks, so that blobs span several of them.
  const large = `${"# filler line of a large manifest\n".repeat(10_000)}kind: ConfigMap\n`;
  const files: Record<string, string | Buffer> = {
    "a.yaml": "kind: A\n",
    "large.yaml": large,
    "bom.yaml": "\uFEFFkind: B\n",
    "binary.yaml": Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
    "empty.yaml": "",
    "z.yaml": "kind: Z\n",
  };
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "read-blobs-"));
    execFileSync("git", ["init", "-q", repo]);
    for (const [path, content] of Object.entries(files)) writeFileSync(join(repo, path), content);
    execFileSync("git", ["-C", repo, "add", "-A"]);
    execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "files"]);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("reads UTF-8 blobs as text (byte order mark kept), others as bytes, each whole, in order", async () => {
    const tree = await listTree(repo, "HEAD");
    const blobs = await readBlobs(repo, tree, 1 << 20);
    expect(blobs.map((b) => b.path)).toEqual(tree.map((e) => e.path));
    for (const blob of blobs) {
      const expected = files[blob.path]!;
      if (typeof expected === "string") expect(blob.content).toBe(expected);
      else expect(Buffer.from(blob.content as Uint8Array).equals(expected)).toBe(true);
    }
  });

  it("leaves out blobs over the limit", async () => {
    const tree = await listTree(repo, "HEAD");
    const blobs = await readBlobs(repo, tree, 1000);
    expect(blobs.find((b) => b.path === "large.yaml")!.content).toEqual(new Uint8Array(0));
    expect(blobs.find((b) => b.path === "z.yaml")!.content).toBe("kind: Z\n");
  });
});
