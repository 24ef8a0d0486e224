/**
 * `canary-bot review --pr OWNER/REPO#N`: the App's reads with a plain token, the App's comment on
 * stdout, and not one write.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { BASE, expectedReview, HEAD, mockReviewReads, pullResponse } from "./helpers.js";
import { githubRequests, githubWrites, intercept, mockConfig, PR, REPO, resetGitHubMock, verifyGitHubMock } from "../support/github.js";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("canary-bot review --pr", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    resetGitHubMock();
    process.env.GITHUB_TOKEN = "ghp_test_token";
    delete process.env.GH_TOKEN;
    delete process.env.GITHUB_API_URL;
  });
  afterEach(() => {
    process.env = { ...saved };
    verifyGitHubMock();
  });

  it("prints the comment the App would post, reading with the token and writing nothing", async () => {
    // mockReviewReads answers the pull request read too.
    mockReviewReads({ base: BASE, head: HEAD });

    const { code, stdout, stderr } = await cli(["review", "--pr", `${REPO.owner}/${REPO.repo}#${PR.number}`]);

    expect(stderr).toBe("");
    expect(stdout).toBe(`${expectedReview(BASE, HEAD).comment}\n`);
    expect(code).toBe(0);
    expect(githubWrites()).toEqual([]);
    expect(githubRequests().some((r) => r.path.endsWith("/access_tokens"))).toBe(false);
  });

  it("answers JSON with the check run the App would create, for a pull request URL", async () => {
    // mockReviewReads answers the pull request read too.
    mockReviewReads({ base: BASE, head: HEAD });

    const { code, stdout } = await cli(["review", "--pr", `https://github.com/${REPO.owner}/${REPO.repo}/pull/${PR.number}`, "--format", "json"]);

    const json = JSON.parse(stdout) as { changedPaths: string[]; touchesCanaries: boolean; check: { conclusion: string }; mergeBase: string };
    expect(code).toBe(0);
    expect(json.changedPaths).toEqual(["apps/istio-system/public-gateway.yaml", "apps/podinfo/canary.yaml"]);
    expect(json.touchesCanaries).toBe(true);
    expect(json.check).toEqual(expectedReview(BASE, HEAD).check);
  });

  it("reports an invalid repository config with its lines and exit code 1", async () => {
    intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/pulls/${PR.number}`, reply: [200, pullResponse(PR.headSha)] });
    mockConfig("environments:\n  - name: prod\n    cluster: prod\n");

    const { code, stderr } = await cli(["review", "--pr", `${REPO.owner}/${REPO.repo}#${PR.number}`]);

    expect(code).toBe(1);
    expect(stderr).toContain(".github/canary-bot.yml:2:5: environments[0].paths: this key is required (array)");
  });

  it("is a usage error without a token, with a malformed reference, or with --base", async () => {
    delete process.env.GITHUB_TOKEN;
    expect(await cli(["review", "--pr", "o/r#1"])).toMatchObject({ code: 2, stderr: expect.stringContaining("GITHUB_TOKEN") });
    process.env.GITHUB_TOKEN = "x";
    expect(await cli(["review", "--pr", "o/r"])).toMatchObject({ code: 2, stderr: expect.stringContaining("OWNER/REPO#N") });
    expect(await cli(["review", "--pr", "o/r#1", "--base", "main"])).toMatchObject({ code: 2 });
  });
});
