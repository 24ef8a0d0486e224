/**
 * Reading a local git repository for `canary-bot review` (an I/O edge): which files changed
 * between two revisions, and the contents of manifest files at a revision. Everything goes through
 * `git` itself (no working tree needed), with contents read in one `cat-file --batch` process.
 */
import { spawn } from "node:child_process";
import { UsageError } from "./files.js";

export interface GitFile {
  path: string;
  content: Uint8Array;
  /** The blob's size; contents of blobs above the read limit are not read. */
  size: number;
}

async function runGit(params: { repo: string; args: string[]; input?: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", params.repo, ...params.args], { stdio: [params.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => reject(new UsageError(`could not run git: ${error.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new UsageError(`git ${params.args[0]} failed: ${Buffer.concat(err).toString("utf8").trim() || `exit ${code}`}`));
    });
    if (params.input !== undefined && child.stdin) {
      // git may exit before reading all of its input (e.g. on a bad object id); its exit code says why.
      child.stdin.on("error", () => {});
      child.stdin.end(params.input);
    }
  });
}

/** The commit a ref names, or a usage error that says the ref is unknown. */
export async function resolveRevision(repo: string, ref: string): Promise<string> {
  try {
    return (await runGit({ repo, args: ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`] })).toString("utf8").trim();
  } catch {
    throw new UsageError(`${ref} is not a commit in ${repo}`);
  }
}

/** Where the head branch forked from the base: a pull request's diff is against this commit. */
export async function findMergeBase(repo: string, base: string, head: string): Promise<string> {
  return (await runGit({ repo, args: ["merge-base", base, head] })).toString("utf8").trim();
}

/** Paths changed between two commits; a rename lists both names. */
export async function listChangedPaths(repo: string, from: string, to: string): Promise<string[]> {
  const out = (await runGit({ repo, args: ["diff", "--name-status", "-z", "-M", from, to] })).toString("utf8");
  const fields = out.split("\u0000").filter((f) => f !== "");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i]!;
    if (status.startsWith("R") || status.startsWith("C")) {
      paths.push(fields[i + 1]!, fields[i + 2]!);
      i += 3;
    } else {
      paths.push(fields[i + 1]!);
      i += 2;
    }
  }
  return [...new Set(paths)];
}

/** Every file path of a commit with its blob id and size. */
export async function listTree(repo: string, revision: string): Promise<Array<{ path: string; blob: string; size: number }>> {
  const out = (await runGit({ repo, args: ["ls-tree", "-r", "-l", "-z", "--full-tree", revision] })).toString("utf8");
  const entries: Array<{ path: string; blob: string; size: number }> = [];
  for (const record of out.split("\u0000")) {
    // <mode> SP <type> SP <object> SP+ <size> TAB <path>
    const match = /^\d+ blob ([0-9a-f]+)\s+(\d+|-)\t(.*)$/s.exec(record);
    if (match) entries.push({ blob: match[1]!, size: match[2] === "-" ? 0 : Number(match[2]), path: match[3]! });
  }
  return entries;
}

/** Reads blobs in one `git cat-file --batch` process; blobs larger than `maxBytes` are not read. */
export async function readBlobs(repo: string, entries: ReadonlyArray<{ path: string; blob: string; size: number }>, maxBytes: number): Promise<GitFile[]> {
  const wanted = entries.filter((e) => e.size <= maxBytes);
  const out = wanted.length > 0 ? await runGit({ repo, args: ["cat-file", "--batch"], input: `${wanted.map((e) => e.blob).join("\n")}\n` }) : Buffer.alloc(0);
  const contents = new Map<string, Uint8Array>();
  let offset = 0;
  for (const entry of wanted) {
    const newline = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, newline).toString("utf8");
    const size = Number(header.split(" ")[2]);
    contents.set(entry.path, out.subarray(newline + 1, newline + 1 + size));
    offset = newline + 1 + size + 1;
  }
  return entries.map((e) => ({ path: e.path, size: e.size, content: contents.get(e.path) ?? new Uint8Array(0) }));
}
