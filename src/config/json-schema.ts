/**
 * The JSON Schema of `.github/canary-bot.yml`, generated from the zod schema so that the two never
 * disagree. Published as schema/canary-bot.schema.json (a test fails when that file is stale);
 * editors use it through a `# yaml-language-server: $schema=…` comment (docs/configuration.md).
 */
import * as z from "zod";
import { repositoryConfigSchema } from "./schema.js";

export function buildConfigJsonSchema(): Record<string, unknown> {
  // "input": the file as written, where every key with a default may be left out.
  return z.toJSONSchema(repositoryConfigSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
