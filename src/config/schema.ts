/**
 * The repository config, `.github/canary-bot.yml`, as a zod schema: the single source of the
 * parser (parse.ts), the defaults, the published JSON Schema (schema/canary-bot.schema.json) and
 * the reference (docs/configuration.md). Pure.
 */
import * as z from "zod";
import { DEFAULT_MANIFESTS } from "./defaults.js";
import { PROVIDERS } from "../canary/crd.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../canary/settings.js";
import { GITHUB_LIMITS } from "../limits.js";
import { findGlobProblem } from "./glob.js";

/** Where the config lives, read from the default branch only (DESIGN.md, "Slash commands"). */
export const CONFIG_PATH = ".github/canary-bot.yml";

const glob = z
  .string()
  .superRefine((pattern, ctx) => {
    const problem = findGlobProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: `"${pattern}" is not a valid glob: ${problem}` });
  })
  .meta({ description: "A path glob relative to the repository root: * within a segment, ** across segments, ?, [abc], {a,b}." });

/**
 * Values Flagger's `-mesh-provider` flag accepts: the CRD's providers, plus the prefix forms its
 * router factory matches (docs/flagger-routing.md §0): `smi:<version>:<mesh>`, `gatewayapi:<version>`,
 * `appmesh:<version>`, `gloo:<…>`.
 */
const MESH_PROVIDER = new RegExp(`^(?:${PROVIDERS.map((p) => p.replace(/[.]/g, "\\$&")).join("|")}|smi:[^:\\s]+(?::[^\\s]+)?|gatewayapi:[^\\s]+|appmesh:[^\\s]+|gloo:[^\\s]+)$`);

/** Kubernetes label keys: an optional DNS-subdomain prefix and a name of up to 63 characters. */
const LABEL_KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Environment and cluster names appear in URLs (/flagger/events/<cluster>) and check summaries. */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** GitHub logins: alphanumerics and single hyphens, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** A team slug, optionally qualified by its organization (`sre` or `acme/sre`). */
const TEAM = /^(?:[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/)?[a-z0-9][a-z0-9_-]*$/;

const controllerSchema = z
  .strictObject({
    meshProvider: z
      .string()
      .regex(MESH_PROVIDER, {
        error: `not a provider Flagger knows: Flagger falls back to the Istio router for an unknown -mesh-provider. Use one of ${PROVIDERS.join(", ")} (or smi:<version>:<mesh>)`,
      })
      .default(DEFAULT_CONTROLLER_SETTINGS.meshProvider)
      .meta({ description: "Flagger's -mesh-provider flag: the provider of every Canary without spec.provider (the default provider)." }),
    selectorLabels: z
      .array(z.string().regex(LABEL_KEY, { error: "not a Kubernetes label key" }))
      .min(1, { error: "Flagger needs at least one selector label" })
      .default([...DEFAULT_CONTROLLER_SETTINGS.selectorLabels])
      .meta({ description: "Flagger's -selector-labels flag: the label keys Flagger looks for in the target's selector, in order." }),
    ingressAnnotationsPrefix: z
      .string()
      .min(1)
      .default(DEFAULT_CONTROLLER_SETTINGS.ingressAnnotationsPrefix)
      .meta({ description: "Flagger's -ingress-annotations-prefix flag (NGINX canary annotations)." }),
    includeLabelPrefix: z
      .array(z.string().min(1))
      .default([...DEFAULT_CONTROLLER_SETTINGS.includeLabelPrefix])
      .meta({ description: "Flagger's -include-label-prefix flag: label prefixes copied to the primary workload." }),
    ingressClass: z
      .string()
      .default(DEFAULT_CONTROLLER_SETTINGS.ingressClass)
      .meta({ description: "Flagger's -ingress-class flag (Contour HTTPProxy ingressClassName)." }),
    noCrossNamespaceRefs: z
      .boolean()
      .default(DEFAULT_CONTROLLER_SETTINGS.noCrossNamespaceRefs)
      .meta({ description: "Flagger's -no-cross-namespace-refs flag." }),
    enableConfigTracking: z
      .boolean()
      .default(DEFAULT_CONTROLLER_SETTINGS.enableConfigTracking)
      .meta({ description: "Flagger's -enable-config-tracking flag: ConfigMaps and Secrets of the pod template are copied for the primary." }),
    metricsServer: z
      .string()
      .min(1)
      .default(DEFAULT_CONTROLLER_SETTINGS.metricsServer)
      .meta({ description: "Flagger's -metrics-server flag: the Prometheus behind the built-in metrics." }),
  })
  .meta({ description: "How your Flagger controller is started: the flags that change what a Canary means. Defaults are Flagger's own." });

const approversSchema = z
  .strictObject({
    users: z
      .array(z.string().regex(LOGIN, { error: "not a GitHub login" }))
      .default([])
      .meta({ description: "GitHub logins that may approve (`/canary approve`, `promote`, …) for this environment." }),
    teams: z
      .array(z.string().regex(TEAM, { error: "not a team: write the team's slug, optionally as org/slug" }))
      .default([])
      .meta({ description: "Teams (slug, or org/slug) whose members may approve for this environment." }),
    allowSelfApproval: z
      .boolean()
      .default(false)
      .meta({ description: "Whether the pull request's author may approve their own pull request." }),
  })
  .meta({ description: "Who may approve for this environment. Without approvers, anyone with write permission on the repository may." });

const environmentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(DNS_LABEL, { error: "environment names are lowercase letters, digits and -, at most 63 characters" })
      .meta({ description: "A unique name, used by promotedIn and in check summaries." }),
    paths: z
      .array(glob)
      .min(1, { error: "an environment needs at least one path glob" })
      .meta({ description: "Globs of the manifests that belong to this environment; the first environment that matches a file wins." }),
    cluster: z
      .string()
      .regex(DNS_LABEL, { error: "cluster names are lowercase letters, digits and -, at most 63 characters" })
      .meta({ description: "The cluster these manifests are applied to, as named in the server's cluster configuration (/flagger/events/<cluster>)." }),
    promotedIn: z
      .string()
      .optional()
      .meta({ description: "A pull request changing this environment may merge only when the same revision was promoted by Flagger in that other environment." }),
    previewOf: z
      .literal("pull-requests")
      .optional()
      .meta({ description: "This environment previews pull requests: a pull request is gated on its own head being promoted here." }),
    approvers: approversSchema.optional(),
  })
  .superRefine((environment, ctx) => {
    if (environment.promotedIn !== undefined && environment.previewOf !== undefined) {
      ctx.addIssue({ code: "custom", path: ["previewOf"], message: "an environment is either promotedIn another one or a previewOf pull requests, not both" });
    }
  });

const manifestsSchema = z
  .strictObject({
    include: z
      .array(glob)
      .min(1, { error: "include at least one glob, e.g. **/*.yaml" })
      .default([...DEFAULT_MANIFESTS.include])
      .meta({ description: "Globs of the files canary-bot reads as Kubernetes manifests." }),
    exclude: z
      .array(glob)
      .default([...DEFAULT_MANIFESTS.exclude])
      .meta({ description: "Globs of files never read, e.g. Helm chart templates (charts/*/templates/**)." }),
  })
  .meta({ description: "Which files are Kubernetes manifests." });

const limitsSchema = z
  .strictObject({
    reviewBytes: z
      .int()
      .min(1)
      .max(GITHUB_LIMITS.bytesPerReview)
      .default(GITHUB_LIMITS.bytesPerReview)
      .meta({ description: `Bytes of manifests read per pull request, base and head together (at most ${GITHUB_LIMITS.bytesPerReview}).` }),
    changedManifests: z
      .int()
      .min(1)
      .max(GITHUB_LIMITS.pullRequestFiles)
      .default(GITHUB_LIMITS.pullRequestFiles)
      .meta({ description: `Changed manifest files reviewed per pull request; the rest are listed as not reviewed (at most ${GITHUB_LIMITS.pullRequestFiles}).` }),
    contextFiles: z
      .int()
      .min(0)
      .max(GITHUB_LIMITS.contextFilesPerReview)
      .default(GITHUB_LIMITS.contextFilesPerReview)
      .meta({ description: `Unchanged manifests read to resolve references (at most ${GITHUB_LIMITS.contextFilesPerReview}).` }),
  })
  .meta({ description: "Lower the amount canary-bot reads per pull request. The maximums are the server's limits." });

export const repositoryConfigSchema = z
  .strictObject({
    manifests: manifestsSchema.default({ include: [...DEFAULT_MANIFESTS.include], exclude: [...DEFAULT_MANIFESTS.exclude] }),
    controller: controllerSchema.default(() => ({ ...DEFAULT_CONTROLLER_SETTINGS, selectorLabels: [...DEFAULT_CONTROLLER_SETTINGS.selectorLabels], includeLabelPrefix: [...DEFAULT_CONTROLLER_SETTINGS.includeLabelPrefix] })),
    environments: z
      .array(environmentSchema)
      .default([])
      .meta({ description: "Where manifests are applied and how merges are gated (the canary/promotion check)." }),
    limits: limitsSchema.default({
      reviewBytes: GITHUB_LIMITS.bytesPerReview,
      changedManifests: GITHUB_LIMITS.pullRequestFiles,
      contextFiles: GITHUB_LIMITS.contextFilesPerReview,
    }),
  })
  .superRefine((config, ctx) => {
    const index = new Map<string, number>();
    config.environments.forEach((environment, i) => {
      if (index.has(environment.name)) {
        ctx.addIssue({ code: "custom", path: ["environments", i, "name"], message: `environment "${environment.name}" is defined twice (first as environments[${index.get(environment.name)}])` });
      } else {
        index.set(environment.name, i);
      }
    });
    config.environments.forEach((environment, i) => {
      const target = environment.promotedIn;
      if (target === undefined) return;
      if (target === environment.name) {
        ctx.addIssue({ code: "custom", path: ["environments", i, "promotedIn"], message: "an environment cannot wait for its own promotion: its pull requests could never merge" });
      } else if (!index.has(target)) {
        ctx.addIssue({ code: "custom", path: ["environments", i, "promotedIn"], message: `no environment is named "${target}"; define it under environments or fix the name` });
      } else if (formsCycle(config.environments, environment.name)) {
        ctx.addIssue({ code: "custom", path: ["environments", i, "promotedIn"], message: "promotedIn forms a cycle: each environment would wait for the other and no pull request could merge" });
      }
    });
  })
  .meta({
    title: "canary-bot repository configuration",
    description: "`.github/canary-bot.yml`, read from the default branch. Every key is optional. Reference: docs/configuration.md.",
  });

function formsCycle(environments: ReadonlyArray<{ name: string; promotedIn?: string }>, start: string): boolean {
  // The first definition of a name counts (a duplicate is reported on its own).
  const next = new Map<string, string | undefined>();
  for (const e of environments) if (!next.has(e.name)) next.set(e.name, e.promotedIn);
  const seen = new Set<string>();
  let current: string | undefined = start;
  while (current !== undefined) {
    if (seen.has(current)) return current === start;
    seen.add(current);
    current = next.get(current);
  }
  return false;
}

/** The config after defaults: what the App and the CLI use. */
export type RepositoryConfig = z.output<typeof repositoryConfigSchema>;
/** The config as written in YAML (every key optional). */
export type RepositoryConfigInput = z.input<typeof repositoryConfigSchema>;
export type EnvironmentConfig = RepositoryConfig["environments"][number];
export type ApproversConfig = NonNullable<EnvironmentConfig["approvers"]>;
