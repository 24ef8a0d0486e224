/**
 * Whole-process benchmarks (issue 14): `node dist/cli.js validate …` (and `review`) spawned as a
 * user or a pre-commit hook runs it — startup, folder walk, reading, output and all — paired in
 * turn with `node dist-bench/bench/parse-files.js` on the same files (the bare read-and-parse
 * baseline). Each pair alternates which process runs first, so that a noisy neighbour or a warm
 * file cache favours neither. Wall time is the median over the pairs; peak memory is the maximum
 * resident set size that /usr/bin/time reports for the process (its median over the pairs).
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatBytes, type BenchSection } from "./measure.js";
import { generateShape, writeShape, type Layout, type Shape } from "./shapes.js";

const CLI = resolve("dist/cli.js");
const PARSE = resolve("dist-bench/bench/parse-files.js");
const TIME = "/usr/bin/time";

/** The targets of issue 14. */
export const TARGETS = {
  /** validate (and review) of 10,000 Canaries: wall time within 3× parsing. */
  wallRatio: 3,
  /** … and peak memory within 3× parsing's. */
  memoryRatio: 3,
  /** A one-file validate within 2× a bare parse of the file. */
  startupRatio: 2,
  /** The ratio at 10,000 at most 1.5× the ratio at 1,000 (the linearity check: the bench fails). */
  linearity: 1.5,
} as const;

interface ProcessRun {
  wallMs: number;
  /** Peak resident set size in bytes. */
  peakRss: number;
  code: number;
  stdoutBytes: number;
}

/** Runs `node ARGS…` under /usr/bin/time; stdout is counted, not kept. */
function runNode(args: readonly string[], options: { cwd?: string } = {}): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(TIME, ["-f", "%M", process.execPath, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: options.cwd });
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const lines = stderr.trimEnd().split("\n");
      const kib = Number(lines.at(-1));
      if (!Number.isFinite(kib)) return reject(new Error(`no peak memory from ${TIME} for node ${args.join(" ")}: ${stderr.slice(-500)}`));
      if (code !== 0 && code !== 1) return reject(new Error(`node ${args.join(" ")} exited ${code}: ${lines.slice(-5, -1).join("\n")}`));
      resolvePromise({ wallMs, peakRss: kib * 1024, code: code ?? -1, stdoutBytes });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface PairedResult {
  baselineMs: number;
  subjectMs: number;
  wallRatio: number;
  baselineRss: number;
  subjectRss: number;
  memoryRatio: number;
  subjectCode: number;
  /** Every measured run's peak RSS, in the order run: a median hides a baseline that jumped. */
  baselineRssRuns: number[];
  subjectRssRuns: number[];
}

/** `runs` pairs of (baseline, subject), alternating which goes first; medians of each. */
export async function measurePaired(params: { baseline: readonly string[]; subject: readonly string[]; runs: number; cwd?: string }): Promise<PairedResult> {
  const baseline: ProcessRun[] = [];
  const subject: ProcessRun[] = [];
  // One unmeasured pair warms the file cache for both.
  await runNode(params.baseline, params);
  await runNode(params.subject, params);
  for (let i = 0; i < params.runs; i += 1) {
    if (i % 2 === 0) {
      baseline.push(await runNode(params.baseline, params));
      subject.push(await runNode(params.subject, params));
    } else {
      subject.push(await runNode(params.subject, params));
      baseline.push(await runNode(params.baseline, params));
    }
  }
  const baselineMs = median(baseline.map((r) => r.wallMs));
  const subjectMs = median(subject.map((r) => r.wallMs));
  const baselineRss = median(baseline.map((r) => r.peakRss));
  const subjectRss = median(subject.map((r) => r.peakRss));
  return {
    baselineMs,
    subjectMs,
    wallRatio: subjectMs / baselineMs,
    baselineRss,
    subjectRss,
    memoryRatio: subjectRss / baselineRss,
    subjectCode: subject[0]!.code,
    baselineRssRuns: baseline.map((r) => r.peakRss),
    subjectRssRuns: subject.map((r) => r.peakRss),
  };
}

function runsFor(canaries: number): number {
  const fromEnv = Number(process.env.BENCH_RUNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return canaries >= 5000 ? 3 : canaries >= 1000 ? 5 : 7;
}

function checkPrerequisites(): void {
  for (const file of [CLI, PARSE, TIME]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run the bench through "npm run bench" (it builds dist/ and dist-bench/)`);
  }
}

const HEADER = [
  "| case | Canaries | files | bytes | parse (wall) | canary-bot (wall) | ratio | parse peak RSS | canary-bot peak RSS | ratio | exit |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];

function row(name: string, canaries: number, written: { bytes: number; files: number }, r: PairedResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `| ${name} | ${canaries.toLocaleString("en-US")} | ${written.files.toLocaleString("en-US")} | ${formatBytes(written.bytes)} | ${s(r.baselineMs)} | ${s(r.subjectMs)} | ${r.wallRatio.toFixed(2)}x | ${formatBytes(r.baselineRss)} | ${formatBytes(r.subjectRss)} | ${r.memoryRatio.toFixed(2)}x | ${r.subjectCode} |`;
}

/** Writes a shape in a temporary folder, measures validate against parsing, removes the folder. */
async function measureValidate(params: { canaries: number; shape: Shape; layout: Layout }): Promise<{ written: { bytes: number; files: number }; result: PairedResult }> {
  const root = mkdtempSync(join(tmpdir(), "canary-bot-bench-"));
  try {
    const written = writeShape(root, generateShape(params.canaries, params.shape), params.layout);
    const result = await measurePaired({ baseline: [PARSE, root], subject: [CLI, "validate", root], runs: runsFor(params.canaries) });
    return { written, result };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function verdict(value: number, target: number): string {
  return value <= target ? `met (≤ ${target}x)` : `MISSED (target ≤ ${target}x)`;
}

/** One-file validate, as a pre-commit hook runs it, against a bare parse of that file. */
export const benchStartup: BenchSection = async (print) => {
  checkPrerequisites();
  const root = mkdtempSync(join(tmpdir(), "canary-bot-bench-"));
  try {
    const files = generateShape(1, "distinct");
    writeShape(root, { "canary.yaml": files["apps/app-0/canary.yaml"]! }, "files");
    const file = join(root, "canary.yaml");
    const written = { files: 1, bytes: Buffer.byteLength(files["apps/app-0/canary.yaml"]!) };
    const result = await measurePaired({ baseline: [PARSE, file], subject: [CLI, "validate", file], runs: 11 });
    print(HEADER.join("\n"));
    print(row("one-file validate", 1, written, result));
    // The pre-commit hook's case: inside a git repository with a .github/canary-bot.yml, whose
    // globs and controller settings validate reads (and with them the config schema, zod).
    mkdirSync(join(root, ".git"));
    mkdirSync(join(root, ".github"));
    writeFileSync(join(root, ".github", "canary-bot.yml"), "controller:\n  meshProvider: istio\n");
    const inRepo = await measurePaired({ baseline: [PARSE, file], subject: [CLI, "validate", file], runs: 11 });
    print(row("one-file validate, repository with a config", 1, written, inRepo));
    print(`startup: ${verdict(result.wallRatio, TARGETS.startupRatio)}; with a repository config: ${verdict(inRepo.wallRatio, TARGETS.startupRatio)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

/** 100, 1,000 and 10,000 Canaries, one object per file; fails when the ratio grows with size. */
export const benchScale: BenchSection = async (print) => {
  checkPrerequisites();
  print(HEADER.join("\n"));
  const ratios = new Map<number, PairedResult>();
  for (const canaries of [100, 1000, 10_000]) {
    const { written, result } = await measureValidate({ canaries, shape: "distinct", layout: "files" });
    ratios.set(canaries, result);
    print(row("validate, one object per file", canaries, written, result));
  }
  const small = ratios.get(1000)!;
  const large = ratios.get(10_000)!;
  print(`10,000: wall ${verdict(large.wallRatio, TARGETS.wallRatio)}; peak memory ${verdict(large.memoryRatio, TARGETS.memoryRatio)}`);
  const growth = large.wallRatio / small.wallRatio;
  const linear = growth <= TARGETS.linearity;
  print(`linearity: ratio at 10,000 / ratio at 1,000 = ${growth.toFixed(2)} (${linear ? "ok" : "FAILED"}, limit ${TARGETS.linearity})`);
  if (!linear) process.exitCode = 1;
};

/** 10,000 Canaries and their Deployments in one rendered multi-document stream. */
export const benchStream: BenchSection = async (print) => {
  checkPrerequisites();
  print(HEADER.join("\n"));
  const { written, result } = await measureValidate({ canaries: 10_000, shape: "distinct", layout: "stream" });
  print(row("validate, one rendered stream", 10_000, written, result));
  print(`wall ${verdict(result.wallRatio, TARGETS.wallRatio)}; peak memory ${verdict(result.memoryRatio, TARGETS.memoryRatio)}`);
};

function pathological(shape: Shape, title: string): BenchSection {
  return async (print) => {
    checkPrerequisites();
    print(HEADER.join("\n"));
    const { written, result } = await measureValidate({ canaries: 5000, shape, layout: "files" });
    print(row(title, 5000, written, result));
    print(`wall ${verdict(result.wallRatio, TARGETS.wallRatio)}; peak memory ${verdict(result.memoryRatio, TARGETS.memoryRatio)}`);
  };
}

export const benchSharedHost = pathological("shared-host", "validate, one host, disjoint match rules");
export const benchSharedTemplate = pathological("shared-template", "validate, one MetricTemplate");

/**
 * `canary-bot review` of a local git repository in which every Canary changes (new image and
 * maxWeight), against parsing both revisions' files: at 1,000 and 10,000 Canaries (or only
 * BENCH_REVIEW_CANARIES). Every run's peak RSS is printed beside the medians: in one session the
 * parse script's median read 195 MiB where it peaks at 155 MiB alone, and a ratio is only as
 * honest as its baseline.
 */
export const benchReviewProcess: BenchSection = async (print) => {
  checkPrerequisites();
  const sizes = Number(process.env.BENCH_REVIEW_CANARIES) ? [Number(process.env.BENCH_REVIEW_CANARIES)] : [1000, 10_000];
  print(HEADER.join("\n"));
  const runs: string[] = [];
  const verdicts: string[] = [];
  for (const canaries of sizes) {
    const { written, result } = await measureReview(canaries);
    print(row("review, every Canary changed (base + head)", canaries, written, result));
    const mib = (values: number[]) => values.map((v) => (v / 1048576).toFixed(1)).join(", ");
    runs.push(`${canaries.toLocaleString("en-US")}: parse ${mib(result.baselineRssRuns)} MiB; review ${mib(result.subjectRssRuns)} MiB`);
    verdicts.push(`${canaries.toLocaleString("en-US")}: wall ${verdict(result.wallRatio, TARGETS.wallRatio)}; peak memory ${verdict(result.memoryRatio, TARGETS.memoryRatio)}`);
  }
  print(`peak RSS of each run, in order: ${runs.join("; ")}`);
  for (const line of verdicts) print(line);
};

async function measureReview(canaries: number): Promise<{ written: { bytes: number; files: number }; result: PairedResult }> {
  const root = mkdtempSync(join(tmpdir(), "canary-bot-bench-"));
  try {
    const repo = join(root, "repo");
    const baseCopy = join(root, "base");
    const base = generateShape(canaries, "distinct");
    const head = generateShape(canaries, "distinct", { image: "ghcr.io/stefanprodan/podinfo:6.8.0", maxWeight: 60 });
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { stdio: "ignore" });
    const writtenBase = writeShape(repo, base, "files");
    writeShape(baseCopy, base, "files");
    execFileSync("git", ["init", "-q", repo]);
    git("add", "-A");
    git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "base");
    git("tag", "base");
    const writtenHead = writeShape(repo, head, "files");
    git("add", "-A");
    git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "head");
    const written = { files: writtenBase.files + writtenHead.files, bytes: writtenBase.bytes + writtenHead.bytes };
    // The baseline parses the same two revisions: the base as a copy, the head as checked out.
    const result = await measurePaired({
      baseline: [PARSE, baseCopy, join(repo, "apps")],
      subject: [CLI, "review", "--repo", repo, "--base", "base", "--format", "json"],
      runs: runsFor(canaries),
    });
    return { written, result };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
