/**
 * `npm run bench [-- SECTION…]`: the benchmarks of the project, printed as one report; with
 * section names (or BENCH_SECTIONS=a,b), only those. Each section measures against a baseline of
 * the same run (see measure.ts and processes.ts). Exit 1 when a section's own check fails (the
 * linearity check of `scale`), 2 for an unknown section.
 */
import type { BenchSection } from "./measure.js";
import { benchReviewProcess, benchScale, benchSharedHost, benchSharedTemplate, benchStartup, benchStream } from "./processes.js";
import { benchTimeline } from "./timeline.js";
import { benchReview } from "./review.js";
import { benchGithub } from "./github.js";
import { benchBuild } from "./build.js";

const SECTIONS: Record<string, [string, BenchSection]> = {
  startup: ["one-file validate against a bare parse (whole processes)", benchStartup],
  scale: ["validate at 100, 1,000 and 10,000 Canaries against parsing (whole processes)", benchScale],
  stream: ["validate of one rendered stream of 10,000 Canaries (whole processes)", benchStream],
  "shared-host": ["validate of 5,000 Canaries on one host (whole processes)", benchSharedHost],
  "shared-template": ["validate of 5,000 Canaries using one MetricTemplate (whole processes)", benchSharedTemplate],
  "review-process": ["review of 1,000 and 10,000 changed Canaries against parsing both sides (whole processes)", benchReviewProcess],
  timeline: ["simulating and rendering 10,000 Canaries (in process)", benchTimeline],
  review: ["review of 1,000 changed Canaries (in process)", benchReview],
  github: ["GitHub requests per event", benchGithub],
  build: ["review with the kustomize build (200 Canaries, two overlays)", benchBuild],
  app: ["app: queue, worker threads, throughput", (print) => import("./app.js").then((m) => m.benchApp(print))],
  gates: ["Flagger gate endpoint against a bare node:http server", (print) => import("./gates.js").then((m) => m.benchGates(print))],
  gate: ["merge gate: event ingestion over HTTP (PGlite and PostgreSQL)", (print) => import("./gate.js").then((m) => m.benchGate(print))],
  "gate-writes": ["what storing gate calls costs PGlite per row (in process)", (print) => import("./gate-writes.js").then((m) => m.benchGateWrites(print))],
  commands: ["slash-command parser on hostile 64 KiB comments against marked's lexer", (print) => import("./commands.js").then((m) => m.benchCommands(print))],
};

const asked = [...process.argv.slice(2), ...(process.env.BENCH_SECTIONS ?? "").split(",")].filter((name) => name !== "");
const unknown = asked.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench section ${unknown.join(", ")}; sections: ${Object.keys(SECTIONS).join(", ")}\n`);
  process.exit(2);
}
if (!(globalThis as { gc?: unknown }).gc) {
  process.stderr.write("note: run with node --expose-gc for stable memory figures (npm run bench does)\n");
}
for (const name of asked.length > 0 ? asked : Object.keys(SECTIONS)) {
  const [title, section] = SECTIONS[name]!;
  process.stdout.write(`\n## ${name}: ${title}\n`);
  await section((line) => process.stdout.write(`${line}\n`));
}
