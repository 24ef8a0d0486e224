/**
 * What the merge gate writes on GitHub (issue 12), as a narrow port beside the review's
 * (port.ts): the `canary/promotion` check run, which stays `in_progress` while pending (so a
 * required check blocks) and is updated in place, and the `canary/rollout` commit status on a
 * merge commit. The Octokit implementation wraps errors like octokit-port.ts (STYLE.md §7).
 */
import { CONFIG_PATH } from "../config/index.js";
import type { PromotionCheckOutput } from "../gate/render-promotion.js";
import { CONFIG_LIMITS } from "../limits.js";
import { createOctokitPort, translateError, type AppIdentity, type Octokit } from "./octokit-port.js";
import { GitHubRequestError, GitHubRetryableError, type FileText, type GitHubPort, type RepositoryRef } from "./port.js";

export interface GatePort {
  readonly repository: RepositoryRef;
  /** The reads the gate shares with the review (config, pull request, files). */
  readonly reader: GitHubPort;
  /**
   * `.github/canary-bot.yml` on the default branch, without knowing its name (the contents API's
   * default ref): one request tells whether the repository uses the gate at all. Null when absent.
   */
  getDefaultBranchConfigText(): Promise<FileText | null>;
  /** Our latest check run with this name on the commit. */
  findCheckRun(params: { headSha: string; name: string }): Promise<{ id: number } | null>;
  createPromotionCheckRun(params: { headSha: string; output: PromotionCheckOutput }): Promise<{ id: number }>;
  updatePromotionCheckRun(params: { checkRunId: number; output: PromotionCheckOutput }): Promise<void>;
  createCommitStatus(params: { sha: string; context: string; state: "pending" | "success" | "failure"; description: string }): Promise<void>;
}

export function createOctokitGatePort(params: { octokit: Octokit; repository: RepositoryRef; identity?: AppIdentity }): GatePort {
  const { octokit, repository } = params;
  const { owner, repo } = repository;
  const reader = createOctokitPort(params);
  const fields = (output: PromotionCheckOutput) => ({
    status: output.status,
    ...(output.conclusion ? { conclusion: output.conclusion, completed_at: new Date().toISOString() } : {}),
    output: { title: output.title, summary: output.summary },
  });
  return {
    repository,
    reader,
    async getDefaultBranchConfigText() {
      let data;
      try {
        data = (await octokit.rest.repos.getContent({ owner, repo, path: CONFIG_PATH })).data;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw translateError(error, `${owner}/${repo}:${CONFIG_PATH}`);
      }
      if (Array.isArray(data) || data.type !== "file") return null;
      if (data.size > CONFIG_LIMITS.bytes || !("content" in data) || data.encoding !== "base64") return { kind: "too-large", size: data.size };
      return { kind: "text", text: Buffer.from(data.content, "base64").toString("utf8") };
    },
    findCheckRun: async ({ headSha, name }) => {
      const run = await reader.findCheckRun({ headSha, name });
      return run ? { id: run.id } : null;
    },
    async createPromotionCheckRun({ headSha, output }) {
      const data = await call(`${owner}/${repo}@${headSha} check ${output.name}`, async () =>
        (await octokit.rest.checks.create({ owner, repo, name: output.name, head_sha: headSha, external_id: headSha, ...fields(output) })).data,
      );
      return { id: data.id };
    },
    async updatePromotionCheckRun({ checkRunId, output }) {
      await call(`${owner}/${repo} check run ${checkRunId}`, async () => octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, ...fields(output) }));
    },
    async createCommitStatus({ sha, context, state, description }) {
      await call(`${owner}/${repo}@${sha} status ${context}`, async () => octokit.rest.repos.createCommitStatus({ owner, repo, sha, state, context, description }));
    },
  };
}

async function call<T>(target: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GitHubRetryableError || error instanceof GitHubRequestError) throw error;
    throw translateError(error, target);
  }
}
