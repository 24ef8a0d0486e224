/**
 * The baseline of the whole-process benchmarks: a bare Node script that finds the same files as
 * `canary-bot validate` (folders walked for *.yaml / *.yml), reads each one and parses it with
 * yaml's `parseAllDocuments` and a `LineCounter` — what any tool that reports lines must do, and
 * nothing more. Prints the number of documents so that the work cannot be optimised away.
 *
 *   node dist-bench/bench/parse-files.js PATH…
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";

function walk(path: string, out: string[]): void {
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) walk(child, out);
    else if (/\.ya?ml$/i.test(entry.name)) out.push(child);
  }
}

const files: string[] = [];
for (const path of process.argv.slice(2)) walk(path, files);
let documents = 0;
for (const file of files) {
  const lineCounter = new LineCounter();
  documents += parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1", lineCounter }).length;
}
process.stdout.write(`${files.length} files, ${documents} documents\n`);
