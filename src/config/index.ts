/**
 * The repository config, `.github/canary-bot.yml` (docs/configuration.md): schema, parser,
 * defaults, path globs and the JSON Schema editors use. Pure.
 */
export { CONFIG_PATH, repositoryConfigSchema, type RepositoryConfig, type RepositoryConfigInput, type EnvironmentConfig, type ApproversConfig } from "./schema.js";
export { parseRepositoryConfig, buildDefaultConfig, buildControllerSettings, renderConfigErrors, formatConfigPath, type ConfigError, type ConfigResult } from "./parse.js";
export { buildPathMatcher, compileGlob, findGlobProblem, type PathFilter } from "./glob.js";
export { buildConfigJsonSchema } from "./json-schema.js";
