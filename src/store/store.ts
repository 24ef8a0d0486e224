/**
 * The store (DESIGN.md "store/"): embedded PGlite by default, PostgreSQL when DATABASE_URL is set.
 * Both speak PostgreSQL SQL, so one set of migrations (migrations/NNN_name.sql) and one set of
 * queries serve both; docs/store.md says when to use which. This module is the only place that
 * knows which client is underneath.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { STORE_LIMITS } from "../limits.js";
import { migrateStore } from "./migrate.js";

/** What a query needs: SQL with $1… placeholders and their values. */
export interface Queryable {
  /**
   * `options.name` prepares the statement once per connection and reuses its plan (PostgreSQL;
   * PGlite ignores it): for the few queries that run on every request, whose planning costs more
   * than their execution.
   */
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
}

export interface QueryOptions {
  /** A statement name, unique to its SQL text. */
  name?: string;
}

export interface Store extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Receives `NOTIFY channel` payloads sent for this store's schema. The migrations' triggers send
   * `<schema>:<what changed>` (the channel is database-wide, several schemas may share one
   * database); `onNotify` gets `<what changed>` of this store's schema only. `onState` says when
   * delivery starts (true) and stops (false): a payload sent while it is stopped is lost for good,
   * so a listener must forget what it learnt when told false. PostgreSQL: a connection of its own,
   * reconnected with back-off and checked every STORE_LIMITS.listenCheckMs; PGlite: its own
   * session, where a notification is handed over with the result of the COMMIT that sent it.
   */
  listen(channel: string, handlers: StoreListenHandlers): Promise<StoreSubscription>;
  close(): Promise<void>;
}

export interface StoreListenHandlers {
  onNotify(payload: string): void;
  onState(listening: boolean): void;
}

export interface StoreSubscription {
  /**
   * Resolves once every notification of a transaction that committed before this call has been
   * handed to `onNotify`; rejects when delivery stops first. PostgreSQL delivers notifications of
   * different transactions in the order they committed, so this sends one of its own (`sync:…`,
   * never passed to `onNotify`) and waits for it to come back: one round trip, shared by nothing.
   * What a listener remembers is then known to be no older than the moment `sync` was called
   * (src/cluster/gate-inputs.ts bounds how late a remembered gate decision may be with it).
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The payloads a subscription sends to itself (StoreSubscription.sync); the migrations' triggers never send them. */
const SYNC_KIND = "sync:";

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
    async listen(channel, handlers) {
      assertChannel(channel);
      const [{ schema }] = (await db.query<{ schema: string }>("SELECT current_schema() AS schema")).rows as [{ schema: string }];
      const prefix = `${schema}:`;
      // PGlite hands notifications to listeners in microtasks queued while it reads the COMMIT's
      // result, before the committing query's promise settles: no code sees the change first.
      const unlisten = await db.listen(channel, (payload) => {
        if (payload.startsWith(prefix)) handlers.onNotify(payload.slice(prefix.length));
      });
      handlers.onState(true);
      return {
        // Every COMMIT that settled before this call has already handed its notifications over.
        sync: async () => {},
        async close() {
          handlers.onState(false);
          await unlisten();
        },
      };
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
    async query<R extends object>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
      if (options?.name) return (await pool.query({ name: options.name, text: sql, values: params as unknown[] | undefined })).rows as R[];
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
    listen(channel, handlers) {
      assertChannel(channel);
      return Promise.resolve(listenPostgres({ url, channel, handlers, ...(options.schema ? { schema: options.schema } : {}) }));
    },
    async close() {
      await pool.end();
    },
  };
}

/** How the notification connections show in pg_stat_activity. */
export const LISTEN_APPLICATION_NAME = "canary-bot notifications";

function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error("a notification channel must be a lower-case SQL identifier");
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries). When it
 * ends, fails, or leaves a check query unanswered for STORE_LIMITS.listenCheckMs, delivery is
 * reported stopped and the connection is replaced, with back-off.
 */
function listenPostgres(params: { url: string; schema?: string; channel: string; handlers: StoreListenHandlers }): StoreSubscription {
  const { handlers } = params;
  let closed = false;
  let current: pg.Client | undefined;
  /** The schema prefix of the current connection's payloads, once it listens. */
  let prefix: string | undefined;
  let listening = false;
  let backoffMs: number = STORE_LIMITS.listenRetryMs.first;
  let retry: NodeJS.Timeout | undefined;
  let check: NodeJS.Timeout | undefined;
  // Another process listening on the same database sends its own sync payloads: the nonce tells ours.
  const nonce = randomBytes(8).toString("hex");
  let syncCount = 0;
  const syncs = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const failSyncs = () => {
    for (const waiter of syncs.values()) waiter.reject(new Error("notification delivery stopped before the sync came back"));
    syncs.clear();
  };

  const stop = (client: pg.Client) => {
    if (client !== current) return;
    current = undefined;
    prefix = undefined;
    failSyncs();
    clearInterval(check);
    if (listening) {
      listening = false;
      handlers.onState(false);
    }
    client.end().catch(() => {});
    if (!closed) {
      retry = setTimeout(() => void connect(), backoffMs);
      retry.unref();
      backoffMs = Math.min(backoffMs * 2, STORE_LIMITS.listenRetryMs.max);
    }
  };

  const connect = async (): Promise<void> => {
    const client = new pg.Client({
      connectionString: params.url,
      keepAlive: true,
      application_name: LISTEN_APPLICATION_NAME,
      ...(params.schema ? { options: `-c search_path=${params.schema}` } : {}),
    });
    current = client;
    client.on("error", () => stop(client));
    client.on("end", () => stop(client));
    client.on("notification", (message) => {
      if (client !== current || prefix === undefined || message.channel !== params.channel || !message.payload?.startsWith(prefix)) return;
      const what = message.payload.slice(prefix.length);
      if (what.startsWith(SYNC_KIND)) {
        const waiter = syncs.get(what);
        syncs.delete(what);
        waiter?.resolve();
        return;
      }
      handlers.onNotify(what);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string }>("SELECT current_schema() AS schema");
      if (client === current) prefix = `${rows[0]!.schema}:`;
      await client.query(`LISTEN ${params.channel}`);
    } catch {
      stop(client);
      return;
    }
    if (client !== current) return;
    if (closed) {
      current = undefined;
      await client.end().catch(() => {});
      return;
    }
    listening = true;
    backoffMs = STORE_LIMITS.listenRetryMs.first;
    handlers.onState(true);
    // A connection cut without a reset (a network partition) looks alive until a query goes unanswered.
    let answered = true;
    check = setInterval(() => {
      if (!answered) {
        stop(client);
        return;
      }
      answered = false;
      client.query("SELECT 1").then(
        () => {
          answered = true;
        },
        () => stop(client),
      );
    }, STORE_LIMITS.listenCheckMs);
    check.unref();
  };

  void connect();
  return {
    sync() {
      const client = current;
      if (!client || !listening || prefix === undefined) return Promise.reject(new Error("notifications are not being delivered"));
      const what = `${SYNC_KIND}${nonce}:${syncCount++}`;
      const payload = `${prefix}${what}`;
      return new Promise<void>((resolve, reject) => {
        syncs.set(what, { resolve, reject });
        // Sent from the listening connection itself: it gets its own notification back, in commit order.
        client.query("SELECT pg_notify($1, $2)", [params.channel, payload]).catch((error: unknown) => {
          syncs.delete(what);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      });
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = current;
      if (client) {
        stop(client);
        await client.end().catch(() => {});
      }
    },
  };
}
