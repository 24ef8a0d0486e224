/** Which jobs a delivery asks for (pure), on the real payloads of fixtures/events. */
import { describe, expect, it } from "vitest";
import { buildJobsForEvent } from "../../src/github/events.js";
import { buildOutdatedComment, stripOutdatedBanner } from "../../src/github/review-failure.js";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { loadEvent } from "../support/github.js";

describe("events to jobs", () => {
  it("queues one review job per pull request, keyed by installation, repository and number", () => {
    const decision = buildJobsForEvent(loadEvent("pull_request.synchronize"));
    expect(decision).toEqual({
      action: "enqueue",
      event: "pull_request.synchronize",
      jobs: [{ kind: "review", key: "1/Codertocat/Hello-World#2", installationId: 1, payload: { owner: "Codertocat", repo: "Hello-World", number: 2 } }],
    });
  });

  it("ignores title edits, other checks' re-runs and events it does not act on", () => {
    expect(buildJobsForEvent(loadEvent("pull_request.edited.title"))).toMatchObject({ action: "ignore" });
    expect(buildJobsForEvent(loadEvent("check_run.rerequested.other-check"))).toMatchObject({ action: "ignore" });
    expect(buildJobsForEvent({ name: "ping", payload: { zen: "Keep it logically awesome." } })).toMatchObject({ action: "ignore", event: "ping" });
  });

  it("re-runs: the listed pull requests with rerun, or the commit when none is listed", () => {
    const suite = buildJobsForEvent(loadEvent("check_suite.rerequested"));
    expect(suite.action === "enqueue" && suite.jobs.every((j) => j.payload.rerun === true)).toBe(true);
    const run = buildJobsForEvent(loadEvent("check_run.rerequested"));
    expect(run).toMatchObject({ action: "enqueue", jobs: [{ kind: "review", payload: { rerun: true } }] });
  });

  it("rejects a payload without an installation, a repository or a pull request, saying which", () => {
    const strip = (key: string) => {
      const event = structuredClone(loadEvent("pull_request.opened"));
      delete (event.payload as Record<string, unknown>)[key];
      if (key === "pull_request") delete (event.payload as Record<string, unknown>).number;
      return buildJobsForEvent(event);
    };
    expect(strip("installation")).toMatchObject({ action: "reject", reason: expect.stringContaining("no installation") });
    expect(strip("repository")).toMatchObject({ action: "reject", reason: "the payload names no repository" });
    expect(strip("pull_request")).toMatchObject({ action: "reject", reason: "the payload names no pull request" });
    expect(buildJobsForEvent({ name: "pull_request", payload: "not an object" })).toMatchObject({ action: "ignore" });
  });
});

describe("the outdated banner", () => {
  const failure = { reason: "GitHub answered 502", nextAttemptAt: new Date("2026-11-29T18:00:00Z"), attempts: 1 };

  it("goes after the marker, replaces itself rather than piling up, and comes off whole", () => {
    const body = `${REVIEW_MARKER}\n### review of https://github.com/o/r/blob/${"a".repeat(40)}/x.yaml`;
    const once = buildOutdatedComment({ body, headSha: "b".repeat(40), failure });
    expect(once.startsWith(`${REVIEW_MARKER}\n`)).toBe(true);
    expect(once).toContain("**Outdated:** canary-bot could not review the current head `bbbbbbbbbbbb`; what follows is the review of an earlier commit. It tries again at 2026-11-29T18:00:00.000Z.");
    const twice = buildOutdatedComment({ body: once, headSha: "b".repeat(40), failure: { ...failure, nextAttemptAt: null } });
    expect(twice.match(/Outdated/g)).toHaveLength(1);
    expect(stripOutdatedBanner(twice)).toBe(body);
  });
});
