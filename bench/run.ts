/**
 * `npm run bench`: every benchmark of the project, printed as one report. Each section measures
 * against a baseline in the same process (see measure.ts).
 */
import type { BenchSection } from "./measure.js";
import { benchValidate } from "./validate.js";
import { benchTimeline } from "./timeline.js";
import { benchReview } from "./review.js";
import { benchGithub } from "./github.js";

const SECTIONS: Array<[string, BenchSection]> = [
  ["validate", benchValidate],
  ["timeline", benchTimeline],
  ["review", benchReview],
  ["github requests", benchGithub],
  ["app: queue, worker threads, throughput", (print) => import("./app.js").then((m) => m.benchApp(print))],
  ["merge gate: event ingestion", (print) => import("./gate.js").then((m) => m.benchGate(print))],
];

if (!(globalThis as { gc?: unknown }).gc) {
  process.stderr.write("note: run with node --expose-gc for stable memory figures (npm run bench does)\n");
}
for (const [title, section] of SECTIONS) {
  process.stdout.write(`\n## ${title}\n`);
  await section((line) => process.stdout.write(`${line}\n`));
}
