/** The comment's sections drawn from the store: the merge gate's Promotion and the Approvals audit trail. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandRecord } from "../../src/commands/records.js";
import { appendStoredSections } from "../../src/github/review-pull-request.js";
import { getStoredCommentSections } from "../../src/github/stored-sections.js";
import { GITHUB_LIMITS } from "../../src/limits.js";
import { insertCommandRecords } from "../../src/store/approvals.js";
import { openStore, type Store } from "../../src/store/store.js";

const HEAD = "c".repeat(40);
const record: CommandRecord = {
  key: "comment/9/line/1/staging/staging/test/podinfo",
  verb: "promote",
  hook: "confirm-promotion",
  outcome: "accepted",
  refusal: null,
  grounds: "write permission",
  actor: "alice",
  at: "2026-11-29T10:00:00.000Z",
  repository: "acme/gitops",
  pullRequest: 3,
  commentId: 9,
  line: 1,
  headSha: HEAD,
  canary: { environment: "staging", cluster: "staging", namespace: "test", name: "podinfo" },
  runId: "staging/test/podinfo@2026-11-29T09:58:00.000Z",
  revision: "ghcr.io/stefanprodan/podinfo:6.2.0",
  reason: null,
  consumedAt: null,
  invalidatedAt: null,
  invalidation: null,
};

describe("stored comment sections", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await store.close();
  });

  it("draws the Approvals audit trail from the stored command records, nothing for a pull request without them", async () => {
    expect((await getStoredCommentSections(store, { owner: "acme", repo: "gitops", number: 3 })).filter((s) => s !== "")).toEqual([]);
    await insertCommandRecords(store, [record]);
    const sections = (await getStoredCommentSections(store, { owner: "acme", repo: "gitops", number: 3 })).filter((s) => s !== "");
    expect(sections).toHaveLength(1);
    expect(sections[0]).toContain("### Approvals");
    expect(sections[0]).toContain("alice");
    expect(sections[0]).toContain("promote");
    expect(sections[0]).toContain(HEAD.slice(0, 7));
  });

  it("appends sections after the review and never past what GitHub accepts for a comment", () => {
    expect(appendStoredSections("review", ["", "### Approvals\n\nrow"])).toBe("review\n\n### Approvals\n\nrow");
    const full = "x".repeat(GITHUB_LIMITS.commentChars);
    const long = `### Approvals\n\n${"| a | b |\n".repeat(2_000)}`;
    const body = appendStoredSections(full, [long, long, long]);
    expect(body.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentBodyChars);
    expect(body.startsWith(full)).toBe(true);
    expect(body.length).toBeGreaterThan(full.length);
  });
});
