/**
 * `validate` of a generated repository of 1,000 Canaries, each with its Deployment, HPA and (for
 * NGINX) Ingress, varied over providers, strategies, metrics and webhooks (bench/repository.ts),
 * against yaml's plain `parseAllDocuments` of the same bytes in the same process.
 */
import { parseAllDocuments } from "yaml";
import { parseManifestFile } from "../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../src/canary/settings.js";
import { allFindings, validateManifests } from "../src/validate/validate.js";
import { formatBytes, peakHeapGrowth, ratio, time, type BenchSection } from "./measure.js";
import { generateRepository } from "./repository.js";

const CANARIES = 1000;
/** The target of the project: validation within 3× plain YAML parsing. */
const TARGET_RATIO = 3;

export const benchValidate: BenchSection = async (print) => {
  // One host per app, as in a real repository (the shared generator gives every app the same one).
  const entries = Object.entries(generateRepository(CANARIES)).map(([path, text]): [string, string] => [path, text.replaceAll("app.example.com", `${path.split("/")[1]}.example.com`)]);
  const bytes = entries.reduce((sum, [, text]) => sum + Buffer.byteLength(text), 0);

  // The baseline: the YAML library alone, with the YAML version parse.ts uses.
  const parseOnly = () => {
    let documents = 0;
    for (const [, text] of entries) documents += parseAllDocuments(text, { version: "1.1" }).length;
    return documents;
  };
  const validate = () => {
    const files = entries.map(([path, content]) => parseManifestFile({ path, content }));
    return validateManifests({ files, settings: DEFAULT_CONTROLLER_SETTINGS });
  };

  const documents = parseOnly();
  const result = validate();
  const findings = result.files.flatMap((file) => allFindings(file));
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.code, (counts.get(finding.code) ?? 0) + 1);

  const parsing = time(() => void parseOnly(), { runs: 5, warmup: 2 });
  const validating = time(() => void validate(), { runs: 5, warmup: 2 });
  const peak = await peakHeapGrowth(validate);
  const seconds = validating.medianMs / 1000;
  const r = validating.medianMs / parsing.medianMs;

  print(`repository: ${CANARIES} Canaries, ${entries.length} files, ${documents} documents, ${formatBytes(bytes)}`);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([code, n]) => `${code} ${n}`);
  print(`findings: ${findings.length}${top.length > 0 ? ` (${top.join(", ")})` : ""}`);
  print(`yaml parseAllDocuments: ${parsing.medianMs.toFixed(0)} ms (median of ${parsing.runs})`);
  print(`validate (parse with positions, CRD schema, rules, cross-document resolution): ${validating.medianMs.toFixed(0)} ms = ${ratio(validating.medianMs, parsing.medianMs)} parsing (target ≤ ${TARGET_RATIO}x: ${r <= TARGET_RATIO ? "met" : "MISSED"})`);
  print(`throughput: ${(documents / seconds).toFixed(0)} documents/s, ${(bytes / 1024 / 1024 / seconds).toFixed(2)} MB/s`);
  print(`peak heap growth during validate: ${formatBytes(peak)}`);
};
