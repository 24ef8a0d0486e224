/**
 * Controller settings for the offline commands: Flagger's defaults, overridden by the `controller:`
 * section of a repository config file given with --config.
 */
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../canary/settings.js";

export const SETTINGS_OPTIONS = {
  config: { type: "string" },
  "mesh-provider": { type: "string" },
} as const;

export async function loadControllerSettings(values: { config?: string; "mesh-provider"?: string }): Promise<ControllerSettings> {
  const settings = { ...DEFAULT_CONTROLLER_SETTINGS };
  if (values["mesh-provider"]) settings.meshProvider = values["mesh-provider"];
  return settings;
}
