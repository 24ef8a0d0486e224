/**
 * `canary-bot serve` (and `npm start`): the GitHub App server. Without App credentials, outside
 * production, it starts Probot's registration flow with our app.yml (github-platform.md §1.8);
 * in production it refuses to start without WEBHOOK_SECRET, APP_ID and a private key. With them it
 * runs src/server.ts until SIGTERM or SIGINT, then shuts down gracefully.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { availableParallelism } from "node:os";
import { createProbot, run } from "probot";
import { createInstrumentedFetch, createMetrics } from "../github/metrics.js";
import { createCanaryBotOctokit } from "../github/octokit.js";
import type { Log } from "../github/port.js";
import { HTTP_LIMITS } from "../limits.js";
import { startCanaryBot } from "../main.js";
import { buildPGliteDir } from "../store/store.js";
import { UsageError } from "./files.js";
import type { CommandIO } from "./io.js";

export const SERVE_USAGE = `Usage: canary-bot serve

Runs the canary-bot GitHub App: webhooks at WEBHOOK_PATH (default /api/github/webhooks),
GET /healthz and GET /metrics, on HOST:PORT (default localhost:3000). Deliveries are queued
in the store (PGlite under DATA_DIR, or PostgreSQL at DATABASE_URL) and reviewed in worker
threads.

Configuration is read from the environment (and from .env in the working directory, for
variables the environment does not set): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
WEBHOOK_SECRET, APP_SLUG, PORT, HOST, WEBHOOK_PATH, DATA_DIR, DATABASE_URL, REVIEW_THREADS,
JOB_CONCURRENCY, SHUTDOWN_GRACE_SECONDS, LOG_LEVEL, LOG_FORMAT, GHE_HOST, GHE_PROTOCOL, REDIS_URL.
See docs/github-app.md. Without APP_ID and a private key, outside NODE_ENV=production, it
starts Probot's registration flow: open http://localhost:3000 to register the App.`;

export type ServeEnvironment =
  | { mode: "setup" }
  | {
      mode: "app";
      port: number;
      host: string;
      webhookPath: string;
      appId: number;
      /** The App's bot login (`<APP_SLUG>[bot]`), to recognise its comments besides its id. */
      botLogin?: string;
      databaseUrl?: string;
      dataDir: string;
      reviewThreads: number;
      jobConcurrency: number;
      shutdownGraceMs: number;
    }
  | { mode: "invalid"; problems: string[] };

/** What the environment asks for; names the missing variables, never prints a value. */
export function readServeEnvironment(env: NodeJS.ProcessEnv): ServeEnvironment {
  const production = env.NODE_ENV === "production";
  const problems: string[] = [];
  const hasCredentials = Boolean(env.APP_ID) && Boolean(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
  if (!hasCredentials && !production) return { mode: "setup" };
  if (!env.APP_ID) problems.push("APP_ID is not set (the App's ID, from its settings page)");
  else if (!/^\d+$/.test(env.APP_ID)) problems.push("APP_ID must be the App's numeric ID");
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) problems.push("no private key: set PRIVATE_KEY (PEM, base64 or with \\n escapes) or PRIVATE_KEY_PATH");
  // Probot would silently use the public secret "development" (github-platform.md §0.2).
  if (!env.WEBHOOK_SECRET) problems.push("WEBHOOK_SECRET is not set: without it Probot would accept deliveries signed with the well-known secret \"development\"");
  const port = env.PORT === undefined || env.PORT === "" ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push("PORT must be a port number");
  const webhookPath = env.WEBHOOK_PATH || "/api/github/webhooks";
  if (!webhookPath.startsWith("/") || webhookPath.startsWith("/flagger/") || webhookPath === "/healthz" || webhookPath === "/metrics") {
    problems.push("WEBHOOK_PATH must be a path starting with / and not one of canary-bot's own routes");
  }
  if (env.DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) problems.push("DATABASE_URL must be a postgres:// URL (leave it unset for the embedded PGlite store under DATA_DIR)");
  const reviewThreads = env.REVIEW_THREADS ? Number(env.REVIEW_THREADS) : availableParallelism();
  if (!Number.isInteger(reviewThreads) || reviewThreads < 0 || reviewThreads > 64) problems.push("REVIEW_THREADS must be a number of threads (0 reviews on the main thread)");
  const jobConcurrency = env.JOB_CONCURRENCY ? Number(env.JOB_CONCURRENCY) : Math.max(4, 4 * reviewThreads);
  if (!Number.isInteger(jobConcurrency) || jobConcurrency < 1 || jobConcurrency > 256) problems.push("JOB_CONCURRENCY must be a number of jobs between 1 and 256");
  const graceSeconds = env.SHUTDOWN_GRACE_SECONDS ? Number(env.SHUTDOWN_GRACE_SECONDS) : HTTP_LIMITS.shutdownGraceMs / 1000;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > 120) problems.push("SHUTDOWN_GRACE_SECONDS must be a number of seconds up to 120 (keep it under Kubernetes' terminationGracePeriodSeconds)");
  if (problems.length > 0) return { mode: "invalid", problems };
  return {
    mode: "app",
    port,
    host: env.HOST || "localhost",
    webhookPath,
    appId: Number(env.APP_ID),
    ...(env.APP_SLUG ? { botLogin: `${env.APP_SLUG}[bot]` } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    dataDir: env.DATA_DIR || "./data",
    reviewThreads,
    jobConcurrency,
    shutdownGraceMs: graceSeconds * 1000,
  };
}

/** Variables from .env that the environment does not set (the environment wins, as in twelve-factor apps). */
export function loadDotEnv(params: { cwd: string; env: NodeJS.ProcessEnv }): string[] {
  const file = join(params.cwd, ".env");
  if (!existsSync(file)) return [];
  const values = parseEnv(readFileSync(file, "utf8"));
  const applied: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (params.env[name] === undefined) {
      params.env[name] = value;
      applied.push(name);
    }
  }
  return applied;
}

export async function runServe(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { help: { type: "boolean", short: "h" } }, allowPositionals: true });
  if (values.help) {
    io.stdout(`${SERVE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments (got ${positionals.join(" ")}); it is configured by environment variables`);

  loadDotEnv({ cwd: process.cwd(), env: process.env });
  const environment = readServeEnvironment(process.env);
  if (environment.mode === "invalid") {
    io.stderr(`canary-bot serve: cannot start:\n${environment.problems.map((p) => `  - ${p}`).join("\n")}\nSee docs/github-app.md.\n`);
    return 2;
  }
  if (environment.mode === "setup") {
    io.stderr("canary-bot serve: no APP_ID and private key: starting the GitHub App registration flow (app.yml). Open http://localhost:3000 and follow the steps.\n");
    // Probot's own server runs the manifest flow and writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET to .env.
    const setup = await run(() => {});
    await waitForSignal();
    await setup.stop();
    return 0;
  }

  const metrics = createMetrics();
  const env = { LOG_LEVEL: "info", LOG_FORMAT: process.env.NODE_ENV === "production" ? "json" : "pretty", ...process.env } as NodeJS.ProcessEnv;
  let probot: ReturnType<typeof createProbot>;
  try {
    // CANARY_BOT_THROTTLE=off is for tests against a GitHub-like server only: github.com needs the throttle.
    const throttle = process.env.CANARY_BOT_THROTTLE !== "off";
    probot = createProbot({ env, overrides: { Octokit: createCanaryBotOctokit({ throttle }), request: { fetch: createInstrumentedFetch(metrics) } } });
  } catch (error) {
    // E.g. PRIVATE_KEY_PATH names no readable key. The message names the option, never its value.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`canary-bot serve: cannot start: ${/private ?key/i.test(message) ? "no usable private key: PRIVATE_KEY must hold the PEM (or its base64), PRIVATE_KEY_PATH a readable .pem file" : message}\n`);
    return 2;
  }
  // Probot 14 sets up its logger, Octokit and webhooks asynchronously.
  await probot.ready();
  const log = probot.log as unknown as Log;
  const bot = await startCanaryBot({
    probot,
    metrics,
    log,
    config: {
      port: environment.port,
      host: environment.host,
      webhookPath: environment.webhookPath,
      webhookSecret: process.env.WEBHOOK_SECRET!,
      store: environment.databaseUrl ? { databaseUrl: environment.databaseUrl } : { dataDir: buildPGliteDir(environment.dataDir) },
      reviewThreads: environment.reviewThreads,
      jobConcurrency: environment.jobConcurrency,
      shutdownGraceMs: environment.shutdownGraceMs,
      identity: { appId: environment.appId, ...(environment.botLogin ? { botLogin: environment.botLogin } : {}) },
      ...(process.env.CANARY_BOT_REVIEW_WORKER ? { reviewWorkerFile: process.env.CANARY_BOT_REVIEW_WORKER } : {}),
      // Merge gate (issue 12): the clusters whose Flagger events and Kubernetes API feed it.
      ...(process.env.CLUSTERS_FILE ? { clustersFile: process.env.CLUSTERS_FILE } : {}),
    },
  });
  if (process.env.WEBHOOK_PROXY_URL) log.info({ webhookProxyUrl: process.env.WEBHOOK_PROXY_URL }, "forward deliveries from the webhook proxy with: npx smee-client --url $WEBHOOK_PROXY_URL --target http://localhost:$PORT/api/github/webhooks");

  const signal = await waitForSignal();
  log.info({ signal, graceMs: environment.shutdownGraceMs }, "shutting down");
  await bot.stop();
  log.info({}, "stopped");
  // Whatever a library still holds open (a keep-alive socket, a timer) must not keep the process past
  // its grace period: Kubernetes would kill it, and the jobs are already released.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
