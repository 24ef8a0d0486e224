/**
 * The kustomize engine: finding the binary and running it (this layer's one process edge).
 * canary-bot never reimplements kustomize; it runs `kustomize build`, or `kubectl kustomize`
 * (kubectl embeds kustomize), found in this order: `KUSTOMIZE_BIN`, `kustomize` on PATH,
 * `kubectl` on PATH. The Docker image installs `kustomize` (Dockerfile).
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { basename, delimiter, join } from "node:path";
import { BUILD_LIMITS } from "../limits.js";

export interface KustomizeEngine {
  command: string;
  /** Arguments before the folder: `["build"]`, or `["kustomize"]` for kubectl. */
  args: string[];
  /** How the engine is named in notes, e.g. `kustomize` or `kubectl kustomize`. */
  label: string;
}

export type KustomizeResult = { ok: true; output: string } | { ok: false; error: string };

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, pathVariable: string | undefined): Promise<string | undefined> {
  for (const folder of (pathVariable ?? "").split(delimiter)) {
    if (folder === "") continue;
    const candidate = join(folder, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function engineFor(command: string): KustomizeEngine {
  return /^kubectl(\.exe)?$/.test(basename(command))
    ? { command, args: ["kustomize"], label: "kubectl kustomize" }
    : { command, args: ["build"], label: "kustomize build" };
}

/**
 * The kustomize engine of this machine, or undefined. `KUSTOMIZE_BIN` names a kustomize or kubectl
 * binary; set to an empty string it turns the build off (raw files, as without a binary).
 */
export async function findKustomizeEngine(env: NodeJS.ProcessEnv = process.env): Promise<KustomizeEngine | undefined> {
  const named = env.KUSTOMIZE_BIN;
  if (named !== undefined) {
    if (named === "") return undefined;
    const path = named.includes("/") ? named : await findOnPath(named, env.PATH);
    return path !== undefined && (await isExecutable(path)) ? engineFor(path) : undefined;
  }
  const kustomize = await findOnPath("kustomize", env.PATH);
  if (kustomize) return engineFor(kustomize);
  const kubectl = await findOnPath("kubectl", env.PATH);
  return kubectl ? engineFor(kubectl) : undefined;
}

/**
 * Builds one folder. `loadRestrictorNone` allows files outside the folder, as Flux's
 * kustomize-controller builds (LoadRestrictionsNone); a plain `kustomize build` does not.
 */
export async function runKustomize(params: { engine: KustomizeEngine; folder: string; loadRestrictorNone: boolean }): Promise<KustomizeResult> {
  const { engine } = params;
  const args = [...engine.args, ...(params.loadRestrictorNone ? ["--load-restrictor", "LoadRestrictionsNone"] : []), params.folder];
  return new Promise((resolve) => {
    const child = spawn(engine.command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "/dev/null" } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let settled = false;
    const finish = (result: KustomizeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ ok: false, error: `${engine.label} did not finish within ${BUILD_LIMITS.kustomizeSeconds} s` });
    }, BUILD_LIMITS.kustomizeSeconds * 1000);
    child.stdout!.on("data", (chunk: Buffer) => {
      outBytes += chunk.byteLength;
      if (outBytes > BUILD_LIMITS.kustomizeOutputBytes) {
        child.kill("SIGKILL");
        finish({ ok: false, error: `${engine.label} wrote more than ${BUILD_LIMITS.kustomizeOutputBytes} bytes` });
      } else out.push(chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => finish({ ok: false, error: `could not run ${engine.label}: ${error.message}` }));
    child.on("close", (code) => {
      if (code === 0) finish({ ok: true, output: Buffer.concat(out).toString("utf8") });
      else finish({ ok: false, error: firstLines(Buffer.concat(err).toString("utf8")) || `${engine.label} exited with ${code}` });
    });
  });
}

/** kustomize's errors are long chains; the first lines say what failed. */
function firstLines(text: string): string {
  const lines = text.trim().split("\n").slice(0, 3).join(" ").replace(/\s+/g, " ");
  return lines.length > 400 ? `${lines.slice(0, 399)}…` : lines;
}
