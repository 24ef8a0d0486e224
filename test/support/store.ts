/**
 * The stores the store's tests run against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set
 * (.ci/run always sets it: .ci/postgres starts Debian's PostgreSQL). Each PostgreSQL store gets its
 * own schema, so test files and tests do not see each other's rows.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
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

/**
 * A new schema on the test PostgreSQL, shared by server processes (their DATABASE_URL selects it
 * through `search_path`) and the test's own migrated store, which reads what they wrote.
 */
export async function openSharedSchema(): Promise<{ store: Store; databaseUrl: string }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const schema = newSchemaName();
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const databaseUrl = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return { store: await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 2 }), databaseUrl };
}

/**
 * One store per backend for a whole `describe` (PGlite takes seconds to start on a busy machine),
 * with `reset` (a TRUNCATE) run before each test so that each starts from empty tables. Returns the
 * store, usable from the tests once `beforeAll` has opened it.
 */
export function useStore(backend: StoreBackend, reset: string): Store {
  let opened: Store | undefined;
  const current = (): Store => {
    if (!opened) throw new Error("the test store is not open yet (use it inside a test or a hook)");
    return opened;
  };
  beforeAll(async () => {
    opened = await backend.open();
  });
  beforeEach(async () => {
    await current().query(reset);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get kind() {
      return current().kind;
    },
    query: (sql, params) => current().query(sql, params),
    transaction: (fn) => current().transaction(fn),
    listen: (channel, handlers) => current().listen(channel, handlers),
    close: () => current().close(),
  };
}
