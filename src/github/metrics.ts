/**
 * The App's Prometheus metrics (GET /metrics): webhook deliveries by event and outcome, GitHub
 * requests by route and status, the rate limit left, and how long reviews take. One registry per
 * server (tests build their own), with Node's default process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  deliveries: Counter<"event" | "outcome">;
  githubRequests: Counter<"method" | "route" | "status">;
  rateLimitRemaining: Gauge<"resource">;
  reviewDuration: Histogram<"outcome">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "canary_bot_" });
  return {
    registry,
    deliveries: new Counter({
      name: "canary_bot_webhook_deliveries_total",
      help: "Webhook deliveries handled, by event (event.action) and outcome.",
      labelNames: ["event", "outcome"],
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
