/**
 * The store (DESIGN.md "store/"): embedded PGlite by default, PostgreSQL when DATABASE_URL is set.
 * Both speak PostgreSQL SQL, so one set of migrations (migrations/NNN_name.sql) and one set of
 * queries serve both; docs/store.md says when to use which. This module is the only place that
 * knows which client is underneath.
 */
import { mkdirSync } from "node:fs";
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
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
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
    },
  };
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
