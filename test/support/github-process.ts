/**
 * `canary-bot serve` as a child process (the esbuild bundle, bundle.ts), configured by environment
 * variables like a deployment and pointed at the GitHub-like server through GHE_HOST. For what only
 * a real process shows: SIGTERM, restarts, two replicas on one database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { bundleCanaryBot } from "./bundle.js";
import type { GitHubServer } from "./github-server.js";
import { testPrivateKey } from "./github.js";
import { WEBHOOK_PATH, WEBHOOK_SECRET } from "./github-app.js";

export interface BotProcess {
  child: ChildProcess;
  url: string;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  /** Bytes written to stdout and stderr. */
  logBytes(): number;
  deliver(event: { name: string; payload: unknown }, id?: string): Promise<Response>;
  /** SIGTERM; resolves with the exit code. */
  terminate(): Promise<number | null>;
  exited: Promise<number | null>;
}

const sign = (body: string) => `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;

export async function startBotProcess(params: { github: GitHubServer; env: Record<string, string> }): Promise<BotProcess> {
  const { cli, worker } = await bundleCanaryBot();
  const child = spawn(process.execPath, [cli, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      APP_ID: String(params.github.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET,
      GHE_HOST: params.github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      REVIEW_THREADS: "1",
      CANARY_BOT_REVIEW_WORKER: worker,
      // Probot's write spacing (1 s, 3 s for comments) is GitHub's protection, not the fake's.
      CANARY_BOT_THROTTLE: "off",
      ...params.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let bytes = 0;
  let buffered = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      buffered += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          logs.push(record);
          if (record.msg === "canary-bot is listening") resolve(Number(record.port));
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      stderr += chunk.toString("utf8");
    });
    void exited.then((code) => reject(new Error(`canary-bot exited (${code}) before listening: ${stderr.slice(0, 2000)}`)));
  });
  const port = await listening;
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    url,
    logs,
    logBytes: () => bytes,
    exited,
    async deliver(event, id = crypto.randomUUID()) {
      const body = JSON.stringify(event.payload);
      return fetch(`${url}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": event.name, "x-github-delivery": id, "x-hub-signature-256": sign(body) },
        body,
      });
    },
    terminate() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
