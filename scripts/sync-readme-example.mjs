// Copies fixtures/gitops-podinfo/expected-review.md into the README's review example, after the
// snapshot was updated with `npx vitest run test/cli/review.test.ts -u` (test/readme.test.ts
// fails until they agree).
import { readFileSync, writeFileSync } from "node:fs";

const readme = readFileSync("README.md", "utf8");
const snapshot = readFileSync("fixtures/gitops-podinfo/expected-review.md", "utf8").trimEnd();
const startMarker = readme.indexOf("<!-- review example: start");
const start = readme.indexOf("-->\n\n", startMarker) + 5;
const end = readme.indexOf("\n\n<!-- review example: end -->");
if (startMarker < 0 || end < 0) throw new Error("README.md has no review example markers");
writeFileSync("README.md", `${readme.slice(0, start)}${snapshot}${readme.slice(end)}`);
