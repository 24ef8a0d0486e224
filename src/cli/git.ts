/**
 * Reading a local git repository for `canary-bot review` (an I/O edge): which files changed
 * between two revisions, and the contents of manifest files at a revision. Everything goes through
 * `git` itself (no working tree needed), with contents read in one `cat-file --batch` process.
 */
import { spawn } from "node:child_process";
import { UsageError } from "./files.js";

export interface GitFile {
  path: string;
  /** The blob's text when it is UTF-8 (a byte order mark kept), else its bytes. */
  content: string | Uint8Array;
  /** The blob's size; contents of blobs above the read limit are not read. */
  size: number;
}

/** Runs git; its output is returned, or given chunk by chunk to `onData` (then nothing is returned). */
async function runGit(params: { repo: string; args: string[]; input?: string; onData?: (chunk: Buffer) => void }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", params.repo, ...params.args], { stdio: [params.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", params.onData ?? ((chunk: Buffer) => out.push(chunk)));
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

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads blobs in one `git cat-file --batch` process; blobs larger than `maxBytes` are not read.
 * Each blob is decoded as it arrives, and the output is never held whole: a review reads both
 * revisions (45 MiB at 10,000 Canaries), and the parser keeps slices of the text as the
 * documents' source, so the bytes would be a second copy, outside V8's heap, until the end.
 */
export async function readBlobs(repo: string, entries: ReadonlyArray<{ path: string; blob: string; size: number }>, maxBytes: number): Promise<GitFile[]> {
  const wanted = entries.filter((e) => e.size <= maxBytes);
  const contents = new Map<string, string | Uint8Array>();
  if (wanted.length > 0) {
    let next = 0;
    const chunks: Buffer[] = [];
    let buffered = 0;
    // Bytes the next blob (its header, or header and content) needs before it can be read.
    let needed = 1;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < needed) return;
      let pending = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
      // <object> SP <type> SP <size> LF <contents> LF, or <object> SP missing LF.
      while (next < wanted.length) {
        const newline = pending.indexOf(0x0a);
        if (newline === -1) {
          needed = pending.length + 1;
          break;
        }
        const header = pending.subarray(0, newline).toString("utf8");
        if (header.endsWith(" missing")) {
          next += 1;
          pending = pending.subarray(newline + 1);
          continue;
        }
        const size = Number(header.split(" ")[2]);
        if (pending.length < newline + 1 + size + 1) {
          needed = newline + 1 + size + 1;
          break;
        }
        contents.set(wanted[next]!.path, decodeBlob(pending.subarray(newline + 1, newline + 1 + size)));
        next += 1;
        pending = pending.subarray(newline + 1 + size + 1);
        needed = 1;
      }
      if (pending.length > 0) chunks.push(pending);
      buffered = pending.length;
    };
    await runGit({ repo, args: ["cat-file", "--batch"], input: `${wanted.map((e) => e.blob).join("\n")}\n`, onData });
  }
  return entries.map((e) => ({ path: e.path, size: e.size, content: contents.get(e.path) ?? new Uint8Array(0) }));
}

/** Text as the parser decodes it (the parser drops the byte order mark); bytes that are not UTF-8 are copied out of git's output. */
function decodeBlob(bytes: Uint8Array): string | Uint8Array {
  try {
    return UTF8.decode(bytes);
  } catch {
    return bytes.slice();
  }
}
