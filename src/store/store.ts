/**
 * The store (DESIGN.md "store/"): embedded PGlite by default, PostgreSQL when DATABASE_URL is set.
 * Both speak PostgreSQL SQL, so one set of migrations (migrations/NNN_name.sql) and one set of
 * queries serve both; docs/store.md says when to use which. This module is the only place that
 * knows which client is underneath.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { STORE_LIMITS } from "../limits.js";
import { migrateStore } from "./migrate.js";

/** What a query needs: SQL with $1… placeholders and their values. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Store extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… ; without it, PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite's directory (created when missing); "memory://" for a throw-away store. */
  dataDir?: string;
  /** A PostgreSQL schema to use instead of public (created when missing): tests share one server. */
  schema?: string;
  /** Connections of the PostgreSQL pool. */
  poolSize?: number;
}

/** Opens the store and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : await openPGlite(options.dataDir ?? "memory://");
  try {
    await migrateStore(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** The PGlite directory under DATA_DIR. */
export function buildPGliteDir(dataDir: string): string {
  return join(dataDir, "pglite");
}

async function openPGlite(dataDir: string): Promise<Store> {
  const unlock = dataDir.startsWith("memory://") ? () => {} : lockDirectory(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    kind: "pglite",
    async query<R extends object>(sql: string, params?: readonly unknown[]) {
      return (await db.query<R>(sql, params as unknown[] | undefined)).rows;
    },
    transaction(fn) {
      // PGlite is one connection: its transaction() also serialises every other query behind it.
      return db.transaction((tx) => fn({ query: async <R extends object>(sql: string, params?: readonly unknown[]) => (await tx.query<R>(sql, params as unknown[] | undefined)).rows }));
    },
    async close() {
      await db.close();
      unlock();
    },
  };
}

/**
 * PGlite is embedded: two processes on one directory would corrupt it. A lock file with the
 * owner's pid refuses a second process while the first is alive (a stale lock is taken over).
 */
function lockDirectory(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "canary-bot.lock");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(readFileSync(file, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`the PGlite store in ${dataDir} is in use by process ${pid}: one process per DATA_DIR (set DATABASE_URL to run several; docs/store.md)`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the PGlite store in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error("the store's schema must be a lower-case SQL identifier");
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? STORE_LIMITS.poolSize,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // A connection that PostgreSQL drops (restart, failover) is replaced on the next query.
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (the server went away) must not crash the process; the next query fails instead.
  pool.on("error", () => {});
  if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
  return {
    kind: "postgres",
    async query<R extends object>(sql: string, params?: readonly unknown[]) {
      return (await pool.query(sql, params as unknown[] | undefined)).rows as R[];
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn({ query: async <R extends object>(sql: string, params?: readonly unknown[]) => (await client.query(sql, params as unknown[] | undefined)).rows as R[] });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
