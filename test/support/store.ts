/**
 * The stores the store's tests run against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set
 * (.ci/run always sets it: .ci/postgres starts Debian's PostgreSQL). Each PostgreSQL store gets its
 * own schema, so test files and tests do not see each other's rows.
 */
import { randomBytes } from "node:crypto";
import { openStore, type Store } from "../../src/store/index.js";

export interface StoreBackend {
  name: "pglite" | "postgres";
  /** A fresh, migrated store; `schema` to open the same PostgreSQL schema twice (two "processes"). */
  open(options?: { schema?: string }): Promise<Store>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

let warned = false;

export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [{ name: "pglite", open: () => openStore({ dataDir: "memory://" }) }];
  if (TEST_DATABASE_URL) {
    backends.push({ name: "postgres", open: (options = {}) => openStore({ databaseUrl: TEST_DATABASE_URL, schema: options.schema ?? newSchemaName(), poolSize: 4 }) });
  } else if (!warned) {
    warned = true;
    process.stderr.write("TEST_DATABASE_URL is not set: the PostgreSQL cases of the store's tests are SKIPPED (.ci/run sets it; see .ci/postgres)\n");
  }
  return backends;
}

export function newSchemaName(): string {
  return `t_${randomBytes(6).toString("hex")}`;
}
