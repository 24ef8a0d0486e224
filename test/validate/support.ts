/**
 * Helpers for rule tests: a valid podinfo Canary (Flagger's own istio example, trimmed) that each
 * test mutates, and a way to validate YAML text or objects in memory.
 */
import { stringify } from "yaml";
import type { Finding } from "../../src/canary/findings.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../../src/canary/settings.js";
import { allFindings, validateManifests } from "../../src/validate/validate.js";

export type Json = Record<string, any>;

export function baseCanary(): Json {
  return {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    metadata: { name: "podinfo", namespace: "test" },
    spec: {
      provider: "istio",
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" },
      service: { port: 9898, targetPort: 9898 },
      analysis: {
        interval: "1m",
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          { name: "request-success-rate", thresholdRange: { min: 99 }, interval: "1m" },
          { name: "request-duration", thresholdRange: { max: 500 }, interval: "30s" },
        ],
        webhooks: [{ name: "load-test", url: "http://flagger-loadtester.test/", timeout: "5s", metadata: { cmd: "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/" } }],
      },
    },
  };
}

export function baseDeployment(): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "podinfo", namespace: "test", labels: { app: "podinfo" } },
    spec: {
      selector: { matchLabels: { app: "podinfo" } },
      template: {
        metadata: { labels: { app: "podinfo" } },
        spec: { containers: [{ name: "podinfod", image: "ghcr.io/stefanprodan/podinfo:6.7.0", ports: [{ name: "http", containerPort: 9898 }] }] },
      },
    },
  };
}

/** A Canary from the base, changed by `edit`. */
export function canaryWith(edit: (canary: Json) => void): Json {
  const canary = baseCanary();
  edit(canary);
  return canary;
}

export function toYaml(documents: readonly Json[]): string {
  return documents.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

export interface Validated {
  findings: Finding[];
  codes: string[];
}

/** Validates files given as YAML text or as lists of objects; returns every finding of every file. */
export function validate(input: string | Json[] | Record<string, string | Json[]>, settings: Partial<ControllerSettings> = {}): Validated {
  const files =
    typeof input === "string" || Array.isArray(input)
      ? { "manifests.yaml": input }
      : input;
  const parsed = Object.entries(files).map(([path, content]) => parseManifestFile({ path, content: typeof content === "string" ? content : toYaml(content) }));
  const result = validateManifests({ files: parsed, settings: { ...DEFAULT_CONTROLLER_SETTINGS, ...settings } });
  const findings = result.files.flatMap((file) => allFindings(file));
  return { findings, codes: findings.map((f) => f.code).sort() };
}

/** The findings of one code. */
export function only(validated: Validated, code: string): Finding[] {
  return validated.findings.filter((f) => f.code === code);
}
