import { readFileSync } from "node:fs";
import { join } from "node:path";

export const CONFIGURATION_DOC = join(import.meta.dirname, "../../docs/configuration.md");

/** The example of docs/configuration.md, as users will copy it. */
export function documentedExample(): string {
  const doc = readFileSync(CONFIGURATION_DOC, "utf8");
  const example = /## Example\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!example) throw new Error("docs/configuration.md has no example");
  return example;
}
