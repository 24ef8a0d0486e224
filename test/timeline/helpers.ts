/** Builds timelines from YAML text, through the same parser and resolver as the product. */
import { parseManifestFile } from "../../src/canary/parse.js";
import { buildRepositoryIndex, resolveCanary, type ResolvedCanary } from "../../src/canary/resolve.js";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../../src/canary/settings.js";
import { simulateRollout } from "../../src/timeline/simulate.js";
import type { Timeline } from "../../src/timeline/types.js";

export function resolveFirstCanary(yaml: string, settings: ControllerSettings = DEFAULT_CONTROLLER_SETTINGS): ResolvedCanary {
  const file = parseManifestFile({ path: "canary.yaml", content: yaml });
  const index = buildRepositoryIndex([file]);
  const canary = index.canaries[0];
  if (!canary) throw new Error("no Canary in the test input");
  return resolveCanary({ canary, index, settings });
}

export function timelineOf(yaml: string, options: { failFromTick?: number; settings?: ControllerSettings } = {}): Timeline {
  const settings = options.settings ?? DEFAULT_CONTROLLER_SETTINGS;
  return simulateRollout({ resolved: resolveFirstCanary(yaml, settings), settings, ...(options.failFromTick !== undefined ? { failFromTick: options.failFromTick } : {}) });
}

/** A Canary with the given analysis (YAML lines, indented for `analysis:`) and spec extras. */
export function canaryYaml(params: { analysis: string; spec?: string; name?: string }): string {
  return `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: ${params.name ?? "app"}
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: app
  service:
    port: 80
${params.spec ?? ""}  analysis:
${params.analysis.replace(/^\n/, "").replace(/\s+$/, "")}
`;
}

export const phases = (t: Timeline) => t.ticks.map((x) => x.phase);
export const weights = (t: Timeline) => t.ticks.map((x) => [x.primaryWeight, x.canaryWeight]);
