/**
 * Defaults of the repository config that callers need without the config schema: the schema
 * (zod) takes a third of a second to load, more than a one-file `canary-bot validate` may spend
 * (issue 14), and a repository without `.github/canary-bot.yml` only needs these. Pure.
 */

/** `manifests` when the config does not say: every YAML file except GitHub's own. */
export const DEFAULT_MANIFESTS: { readonly include: readonly string[]; readonly exclude: readonly string[] } = {
  include: ["**/*.yaml", "**/*.yml"],
  exclude: [".github/**"],
};
