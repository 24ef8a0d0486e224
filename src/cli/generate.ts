/**
 * `canary-bot generate [--format yaml|json] [--weights PRIMARY,CANARY] [--mirror] PATH…`
 * (DESIGN.md, CLI): the objects Flagger creates for every Canary among the files, on
 * initialization or after a SetRoutes with the given weights.
 */
import { parseArgs } from "node:util";
import { buildRepositoryIndex, resolveCanary } from "../canary/resolve.js";
import { generateRoutingResources } from "../routing/index.js";
import type { RouteWeights } from "../routing/types.js";
import { renderResourcesYaml } from "../routing/yaml.js";
import { findManifestPaths, readManifestFiles, UsageError } from "./files.js";
import type { CommandIO } from "./io.js";
import { loadControllerSettings, SETTINGS_OPTIONS } from "./settings.js";

export const GENERATE_USAGE = `Usage: canary-bot generate [--format yaml|json] [--weights PRIMARY,CANARY] [--mirror] [--config FILE] [--mesh-provider NAME] PATH...

Prints the objects Flagger creates for every Canary in the files or folders: the apex, -primary
and -canary Services, the primary workload and autoscaler, and the provider's routing objects
(Istio DestinationRules and VirtualService, Gateway API HTTPRoute, NGINX canary Ingress, SMI
TrafficSplit, Contour HTTPProxy).

  --weights P,C   the objects after Flagger sets these weights (two integers summing to 100);
                  without it, the objects as created on initialization (100,0)
  --mirror        with --weights: the mirrored step (Istio, Gateway API blue/green)
  --config FILE   controller settings (selector labels, label prefixes, ingress class …) from the
                  controller: section of a canary-bot config
  --mesh-provider the provider of Canaries without spec.provider (Flagger's -mesh-provider)

Exit codes: 0 done, 2 usage error.`;

export async function runGenerate(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: "string", default: "yaml" }, weights: { type: "string" }, mirror: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...SETTINGS_OPTIONS },
  });
  if (values.help) {
    io.stdout(`${GENERATE_USAGE}\n`);
    return 0;
  }
  if (values.format !== "yaml" && values.format !== "json") throw new UsageError(`--format must be yaml or json, not ${values.format}`);
  const routes = parseWeights(values.weights, values.mirror === true);
  if (positionals.length === 0) throw new UsageError("generate needs at least one file or folder");
  const settings = await loadControllerSettings(values);
  const files = await readManifestFiles(await findManifestPaths(positionals));
  for (const file of files) {
    for (const finding of file.findings.filter((f) => f.severity === "error")) io.stderr(`${file.path}:${finding.line}:${finding.column}: ${finding.message}\n`);
  }
  const index = buildRepositoryIndex(files);
  const generated = index.canaries.map((canary) => generateRoutingResources({ resolved: resolveCanary({ canary, index, settings }), settings, ...(routes ? { routes } : {}) }));
  if (generated.length === 0) io.stderr("no Flagger Canary found in the given files\n");
  if (values.format === "json") {
    io.stdout(`${JSON.stringify({ canaries: generated.map((g) => ({ name: g.name, namespace: g.namespace ?? null, provider: g.provider, resources: g.resources, notes: g.notes })) }, null, 2)}\n`);
  } else {
    io.stdout(
      generated
        .map((g) => {
          const header = [`# Canary ${g.namespace ? `${g.namespace}/` : ""}${g.name} (provider ${g.provider})`, ...g.notes.map((n) => `# note: ${n.replace(/\n/g, " ")}`)].join("\n");
          return g.resources.length > 0 ? `${header}\n${renderResourcesYaml(g.resources)}` : `${header}\n`;
        })
        .join("---\n"),
    );
  }
  return 0;
}

function parseWeights(text: string | undefined, mirrored: boolean): RouteWeights | undefined {
  if (text === undefined) {
    if (mirrored) throw new UsageError("--mirror needs --weights (the mirrored step is usually --weights 100,0 --mirror)");
    return undefined;
  }
  const match = /^(\d{1,3}),(\d{1,3})$/.exec(text.trim());
  const primaryWeight = match ? Number(match[1]) : NaN;
  const canaryWeight = match ? Number(match[2]) : NaN;
  if (!match || primaryWeight > 100 || canaryWeight > 100 || primaryWeight + canaryWeight !== 100) {
    throw new UsageError(`--weights must be two integers from 0 to 100 that sum to 100, such as 90,10 (got ${text})`);
  }
  return { primaryWeight, canaryWeight, mirrored };
}
