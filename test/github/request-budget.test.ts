/**
 * The request budget of a review: a pull request changing 1, 10 or 100 Canary files costs the same
 * small number of GitHub requests per job (the figures are in `npm run bench`, "github requests").
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildBudgetRepository } from "../../bench/github.js";
import { mockReviewReads, receive } from "./helpers.js";
import { createTestBot, githubRequests, mockConversation, mockToken, pullRequestEvent, resetGitHubMock, verifyGitHubMock } from "../support/github.js";

describe("request budget", () => {
  beforeEach(() => resetGitHubMock());
  afterEach(() => verifyGitHubMock());

  it.each([1, 10, 100])("reviews a pull request changing %i Canary files in 9 requests, one of them GraphQL", async (changed) => {
    const { base, head } = buildBudgetRepository(changed);
    const bot = await createTestBot();
    mockToken();
    const asked = mockReviewReads({ base, head });
    const state = mockConversation({ reads: 1 });

    await receive(bot, pullRequestEvent());

    const requests = githubRequests()
      .filter((r) => !r.path.endsWith("/access_tokens"))
      .map((r) => `${r.method} ${r.path.split("?")[0]!.replace(/[0-9a-f]{40}/g, "{sha}")}`);
    expect(requests).toEqual([
      // The job reads the pull request's current head first.
      "GET /repos/Codertocat/Hello-World/pulls/2",
      "GET /repos/Codertocat/Hello-World/contents/.github%2Fcanary-bot.yml",
      "GET /repos/Codertocat/Hello-World/compare/{sha}...{sha}",
      "GET /repos/Codertocat/Hello-World/git/trees/{sha}",
      "POST /graphql",
      "GET /repos/Codertocat/Hello-World/commits/{sha}/check-runs",
      "POST /repos/Codertocat/Hello-World/check-runs",
      "GET /repos/Codertocat/Hello-World/issues/2/comments",
      "POST /repos/Codertocat/Hello-World/issues/2/comments",
    ]);
    // Every changed Canary at head and at the merge base, and every unchanged manifest beside them once.
    expect(asked[0]).toHaveLength(2 * changed + (Object.keys(head).length - changed));
    expect(state.comments).toHaveLength(1);
  });
});
