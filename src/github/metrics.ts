/**
 * The App's Prometheus metrics (GET /metrics): webhook deliveries by event and outcome, GitHub
 * requests by route and status, the rate limit left, and how long reviews take. One registry per
 * server (tests build their own), with Node's default process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueStats } from "../store/queue.js";

/** Live figures read when /metrics is scraped (set by src/main.ts once the store and pool exist). */
export interface MetricSources {
  queue?: () => Promise<QueueStats>;
  runningJobs?: () => number;
  workerUtilization?: () => number;
}

export interface Metrics {
  registry: Registry;
  sources: MetricSources;
  deliveries: Counter<"event" | "outcome">;
  rejectedDeliveries: Counter<"reason">;
  jobs: Counter<"kind" | "outcome">;
  githubRequests: Counter<"method" | "route" | "status">;
  rateLimitRemaining: Gauge<"resource">;
  reviewDuration: Histogram<"outcome">;
  gateCalls: Counter<"hook" | "status" | "source">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "canary_bot_" });
  const sources: MetricSources = {};
  // One read of the queue per scrape, shared by the gauges below.
  let pending: Promise<QueueStats | undefined> | undefined;
  const queueStats = () => {
    pending ??= (sources.queue?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  const queueGauge = (name: string, help: string, pick: (stats: QueueStats) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: ["kind"],
      registers: [registry],
      async collect() {
        const stats = await queueStats();
        this.reset();
        if (stats) for (const [kind, value] of Object.entries(pick(stats))) this.set({ kind }, value);
      },
    });
  queueGauge("canary_bot_queue_depth", "Jobs waiting in the queue (due or in back-off), by kind.", (s) => s.queued);
  queueGauge("canary_bot_queue_running_jobs", "Jobs running now, in every process sharing the store, by kind.", (s) => s.running);
  queueGauge("canary_bot_queue_failed_jobs", "Jobs that ran out of attempts and stay in the store for inspection, by kind.", (s) => s.failed);
  new Gauge({
    name: "canary_bot_queue_oldest_job_age_seconds",
    help: "Age of the oldest waiting job (0 when none waits).",
    registers: [registry],
    async collect() {
      const stats = await queueStats();
      this.set(stats?.oldestQueuedSeconds ?? 0);
    },
  });
  new Gauge({
    name: "canary_bot_queue_retrying_jobs",
    help: "Waiting jobs that already failed at least once.",
    registers: [registry],
    async collect() {
      const stats = await queueStats();
      this.set(stats?.retrying ?? 0);
    },
  });
  new Gauge({
    name: "canary_bot_process_running_jobs",
    help: "Jobs this process runs now.",
    registers: [registry],
    collect() {
      this.set(sources.runningJobs?.() ?? 0);
    },
  });
  new Gauge({
    name: "canary_bot_review_worker_utilization",
    help: "Share of the review worker threads' time spent reviewing since start (0-1).",
    registers: [registry],
    collect() {
      this.set(sources.workerUtilization?.() ?? 0);
    },
  });
  return {
    registry,
    sources,
    deliveries: new Counter({
      name: "canary_bot_webhook_deliveries_total",
      help: "Webhook deliveries accepted, by event (event.action) and outcome (queued, duplicate, ignored, rejected).",
      labelNames: ["event", "outcome"],
      registers: [registry],
    }),
    rejectedDeliveries: new Counter({
      name: "canary_bot_webhook_rejected_total",
      help: "Webhook requests refused, by reason (missing_signature, bad_signature, too_large, invalid_json, unusable_payload, …).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    jobs: new Counter({
      name: "canary_bot_jobs_total",
      help: "Job attempts finished, by kind and outcome (done, retry, again, failed, error, released); retries are outcome=retry.",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    }),
    githubRequests: new Counter({
      name: "canary_bot_github_requests_total",
      help: "HTTP requests sent to GitHub (each retry counts), by method, route template and status (0: no answer).",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    rateLimitRemaining: new Gauge({
      name: "canary_bot_github_rate_limit_remaining",
      help: "x-ratelimit-remaining of the latest GitHub answer, by x-ratelimit-resource (core, graphql, …).",
      labelNames: ["resource"],
      registers: [registry],
    }),
    gateCalls: new Counter({
      name: "canary_bot_flagger_gate_calls_total",
      help: "Flagger gate calls answered, by hook, HTTP status and what decided (request: the request alone; memory: remembered inputs; confirmed: remembered inputs a query confirmed; store: inputs read from the store).",
      labelNames: ["hook", "status", "source"],
      registers: [registry],
    }),
    reviewDuration: new Histogram({
      name: "canary_bot_review_duration_seconds",
      help: "Wall time of one pull request review, GitHub requests included, by outcome.",
      labelNames: ["outcome"],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
  };
}

/**
 * A fetch for Octokit that counts every HTTP attempt (retries included) and records the rate limit
 * left. It calls the global fetch at request time, so that test interceptors (nock) still apply.
 */
export function createInstrumentedFetch(metrics: Metrics): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (typeof input === "object" && "method" in input ? input.method : "GET")).toUpperCase();
    const route = normalizeRoute(url);
    try {
      const response = await globalThis.fetch(input, init);
      metrics.githubRequests.inc({ method, route, status: String(response.status) });
      const remaining = Number(response.headers.get("x-ratelimit-remaining"));
      const resource = response.headers.get("x-ratelimit-resource");
      if (resource && Number.isFinite(remaining)) metrics.rateLimitRemaining.set({ resource }, remaining);
      return response;
    } catch (error) {
      metrics.githubRequests.inc({ method, route, status: "0" });
      throw error;
    }
  };
}

/**
 * A GitHub API URL as a low-cardinality route: `/repos/{owner}/{repo}/issues/{n}/comments`.
 * Owners, repositories, numbers, SHAs and file paths become placeholders.
 */
export function normalizeRoute(url: string): string {
  let pathname: string;
  try {
    pathname = new URL(url, "https://api.github.com").pathname;
  } catch {
    return "(invalid)";
  }
  // GitHub Enterprise Server serves the API under /api/v3 (and GraphQL under /api/graphql).
  pathname = pathname.replace(/^\/api\/v3(?=\/)/, "").replace(/^\/api\/graphql$/, "/graphql");
  const segments = pathname.split("/").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    const previous = segments[i - 1];
    if (previous === "repos" && i === 1) {
      out.push("{owner}", "{repo}");
      i += 1;
    } else if (previous === "contents") {
      out.push("{path}");
      break;
    } else if (previous === "compare") {
      out.push("{basehead}");
    } else if (/^\d+$/.test(segment)) {
      out.push("{n}");
    } else if (/^[0-9a-f]{40}$/i.test(segment)) {
      out.push("{sha}");
    } else {
      out.push(segment.length > 64 ? "{long}" : segment);
    }
  }
  return `/${out.join("/")}`;
}
