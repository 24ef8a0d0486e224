/**
 * Where the comment's links point. One setting: the project's repository, the `repository` field of
 * package.json (test/report/links.test.ts keeps the two equal). A fork that publishes its own App
 * changes that field, and the finding codes link to its own docs/rules.md.
 */
export const PROJECT_REPOSITORY_URL = "https://github.com/canary-bot/canary-bot";

/** The docs folder on the default branch, as GitHub shows it. */
export const DOCS_URL = `${PROJECT_REPOSITORY_URL}/blob/main/docs`;

/** A finding code's entry in docs/rules.md: GitHub's heading anchors are the lower-cased heading. */
export function ruleUrl(code: string, docsUrl: string = DOCS_URL): string {
  return `${docsUrl}/rules.md#${code.toLowerCase().replace(/[^a-z0-9_-]/g, "")}`;
}

/** Flagger's source at the version canary-bot models (the links of cited files). */
export { FLAGGER_SOURCE_URL } from "../markdown/flagger-source.js";
