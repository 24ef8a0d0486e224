/**
 * Reading the parts of a webhook payload every use case needs, without trusting its shape: a
 * forged or truncated delivery gets a reason, never a crash. Pure.
 */

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export interface InstallationRepository {
  installationId: number;
  owner: string;
  repo: string;
}

/** The installation and the repository a payload names, or why it cannot be acted on. */
export function readInstallationRepository(payload: Record<string, unknown> | undefined): InstallationRepository | { missing: string } {
  const installationId = asRecord(payload?.installation)?.id;
  if (typeof installationId !== "number" || !Number.isSafeInteger(installationId) || installationId <= 0) {
    return { missing: "the payload names no installation: canary-bot only acts for an installation of the App" };
  }
  const repository = asRecord(payload?.repository);
  const owner = asRecord(repository?.owner)?.login;
  const repo = repository?.name;
  if (typeof owner !== "string" || typeof repo !== "string" || owner === "" || repo === "") return { missing: "the payload names no repository" };
  return { installationId, owner, repo };
}
