/**
 * The Octokit class of the App: Probot's, with GitHub's limits applied per installation (each
 * installation has its own rate limit, so each gets its own throttle lanes: one installation's
 * burst does not hold the others back), and short waits only. A rate limit or secondary limit that
 * asks for more than QUEUE_LIMITS.inlineWaitMs is not waited for in the request: the error reaches
 * the review job, which is rescheduled for when GitHub said (retry-after, reset) and says so on
 * the check — a reset an hour away no longer holds a review (and its worker) for an hour.
 */
import { ProbotOctokit } from "probot";
import { QUEUE_LIMITS } from "../limits.js";

export function createCanaryBotOctokit(options: { throttle?: boolean; retries?: number } = {}): typeof ProbotOctokit {
  const inlineSeconds = QUEUE_LIMITS.inlineWaitMs / 1000;
  const shortWait = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryAfter <= inlineSeconds && retryCount < 1;
  return ProbotOctokit.defaults((instanceOptions: Record<string, unknown>) => {
    const auth = instanceOptions.auth as { installationId?: number | string } | undefined;
    const throttle = (instanceOptions.throttle ?? {}) as Record<string, unknown>;
    return {
      ...instanceOptions,
      throttle:
        options.throttle === false
          ? { enabled: false }
          : {
              ...throttle,
              enabled: true,
              // Probot keys the lanes by installation too; set here so that it never depends on it.
              ...(auth?.installationId !== undefined ? { id: `installation-${auth.installationId}` } : {}),
              onRateLimit: shortWait,
              onSecondaryRateLimit: shortWait,
            },
      // 5xx: two quick retries in the request; longer outages are the job's retries.
      retry: options.retries === 0 ? { enabled: false } : { retries: options.retries ?? 2 },
    };
  }) as typeof ProbotOctokit;
}
