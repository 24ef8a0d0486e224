/**
 * The set-up shared by the tests that run `canary-bot serve` processes on one real PostgreSQL: a
 * GitHub-like server, a schema of their own (`databaseUrl` points the processes at it, `store` is
 * the test's own connection), a scratch folder, and the processes they start, stopped after each
 * test or after all of them. Use inside a `describe` skipped without TEST_DATABASE_URL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Store } from "../../src/store/index.js";
import { startBotProcess, type BotProcess } from "./github-process.js";
import { startGitHubServer, type GitHubServer } from "./github-server.js";
import { openSharedSchema } from "./store.js";

export interface ProcessesOnOnePostgres {
  readonly github: GitHubServer;
  readonly store: Store;
  readonly databaseUrl: string;
  /** A scratch folder, removed after all tests. */
  readonly dir: string;
  /** Starts `count` processes with `env` (DATABASE_URL is set to the shared schema). */
  start(count: number, env?: Record<string, string>): Promise<BotProcess[]>;
  startOne(env?: Record<string, string>): Promise<BotProcess>;
}

export function useProcessesOnOnePostgres(params: { stop: "after-each" | "after-all"; afterStop?: (context: ProcessesOnOnePostgres) => void }): ProcessesOnOnePostgres {
  let github: GitHubServer | undefined;
  let store: Store | undefined;
  let databaseUrl: string | undefined;
  let dir: string | undefined;
  const processes: BotProcess[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the processes' set-up is not ready yet (use it inside a test or a hook)");
    return value;
  };
  const context: ProcessesOnOnePostgres = {
    get github() {
      return ready(github);
    },
    get store() {
      return ready(store);
    },
    get databaseUrl() {
      return ready(databaseUrl);
    },
    get dir() {
      return ready(dir);
    },
    async start(count, env = {}) {
      const started = await Promise.all(Array.from({ length: count }, () => startBotProcess({ github: ready(github), env: { ...env, DATABASE_URL: ready(databaseUrl) } })));
      processes.push(...started);
      return started;
    },
    async startOne(env = {}) {
      const [started] = await context.start(1, env);
      return started!;
    },
  };
  const stopAll = async () => {
    await Promise.all(processes.splice(0).map((p) => (p.child.exitCode === null ? p.terminate() : p.exited)));
    params.afterStop?.(context);
  };
  beforeAll(async () => {
    github = await startGitHubServer();
    ({ store, databaseUrl } = await openSharedSchema());
    dir = mkdtempSync(join(tmpdir(), "canary-bot-processes-"));
  });
  if (params.stop === "after-each") afterEach(stopAll);
  afterAll(async () => {
    if (params.stop === "after-all") await stopAll();
    await store?.close();
    await github?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return context;
}
