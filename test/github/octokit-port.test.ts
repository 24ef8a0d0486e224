/** How the port translates GitHub's failures (STYLE.md §7), and the metrics' route names. */
import { describe, expect, it } from "vitest";
import { normalizeRoute } from "../../src/github/metrics.js";
import { translateError } from "../../src/github/octokit-port.js";
import { GitHubRequestError, GitHubRetryableError } from "../../src/github/port.js";

function requestError(status: number, message: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), { name: "HttpError", status, response: { status, headers, data: { message } } });
}

describe("translateError", () => {
  const target = "acme/gitops@abc:apps/canary.yaml";

  it("makes a primary rate limit retryable after the reset", () => {
    const reset = String(Math.floor(Date.now() / 1000) + 30);
    const error = translateError(requestError(403, "API rate limit exceeded", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }), target);
    expect(error).toBeInstanceOf(GitHubRetryableError);
    expect(error).toMatchObject({ reason: "rate-limit", message: `GitHub's rate limit was reached for ${target}` });
    expect((error as GitHubRetryableError).retryAfterSeconds).toBeGreaterThanOrEqual(30);
    expect((error as GitHubRetryableError).retryAfterSeconds).toBeLessThanOrEqual(32);
  });

  it("makes a secondary rate limit retryable, with GitHub's retry-after when given", () => {
    expect(translateError(requestError(403, "You have exceeded a secondary rate limit", { "retry-after": "60" }), target)).toMatchObject({ reason: "secondary-rate-limit", retryAfterSeconds: 60 });
    expect(translateError(requestError(429, "Too many requests"), target)).toMatchObject({ reason: "secondary-rate-limit", retryAfterSeconds: undefined });
  });

  it("makes 5xx retryable and a GraphQL RATE_LIMITED answer too", () => {
    expect(translateError(requestError(502, "Bad Gateway"), target)).toMatchObject({ reason: "server-error", message: `GitHub answered 502 for ${target}` });
    const graphql = Object.assign(new Error("Request failed due to following response errors"), { name: "GraphqlResponseError", errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded" }], headers: {} });
    expect(translateError(graphql, target)).toMatchObject({ reason: "rate-limit" });
  });

  it("names the target of any other failure", () => {
    const error = translateError(requestError(422, "Validation Failed\nmore"), target);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(error.message).toBe(`GitHub answered 422 for ${target}: Validation Failed`);
    expect(translateError(requestError(403, "Resource not accessible by integration"), target)).toBeInstanceOf(GitHubRequestError);
    const graphql = Object.assign(new Error("x"), { errors: [{ type: "NOT_FOUND", message: "Could not resolve to a Repository" }] });
    expect(translateError(graphql, target).message).toBe(`GitHub's GraphQL API refused ${target}: Could not resolve to a Repository`);
  });
});

describe("normalizeRoute", () => {
  it.each([
    ["https://api.github.com/repos/acme/gitops/issues/12/comments?per_page=100", "/repos/{owner}/{repo}/issues/{n}/comments"],
    ["https://api.github.com/repositories/1296269/issues/2/comments?page=2", "/repositories/{n}/issues/{n}/comments"],
    ["https://api.github.com/repos/acme/gitops/contents/.github%2Fcanary-bot.yml?ref=main", "/repos/{owner}/{repo}/contents/{path}"],
    ["https://api.github.com/repos/acme/gitops/compare/abc...def?per_page=1", "/repos/{owner}/{repo}/compare/{basehead}"],
    ["https://api.github.com/repos/acme/gitops/git/trees/ec26c3e57ca3a959ca5aad62de7213c562f8c821?recursive=true", "/repos/{owner}/{repo}/git/trees/{sha}"],
    ["https://github.example.com/api/v3/app/installations/7/access_tokens", "/app/installations/{n}/access_tokens"],
    ["https://github.example.com/api/graphql", "/graphql"],
  ])("%s → %s", (url, route) => {
    expect(normalizeRoute(url)).toBe(route);
  });
});
