/**
 * Schema migrations: numbered SQL files in ./migrations (`001_queue.sql`, `002_…`), applied in
 * order, each once, each in its own transaction. A new table (the merge gate's, the approvals')
 * is a new file; an applied file is never edited. Two replicas starting together take turns on a
 * transaction-scoped advisory lock, so a migration never runs twice.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Store } from "./store.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** An arbitrary constant: the advisory lock key of "canary-bot migrations". */
const MIGRATION_LOCK = 4_242_001;

/** The migrations shipped with canary-bot (dist/store/migrations, copied there by `npm run build`). */
export function readMigrations(dir: string = fileURLToPath(new URL("./migrations/", import.meta.url))): Migration[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .map((file) => {
      const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(`${dir}/${file}`, "utf8") };
    })
    .sort((a, b) => a.version - b.version);
}

/** Applies the migrations not yet applied; returns their versions. */
export async function migrateStore(store: Store, migrations: Migration[] = readMigrations()): Promise<number[]> {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new Error(`two migrations have version ${m.version}`);
    seen.add(m.version);
  }
  await store.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await store.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const rows = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]);
      if (rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/**
 * Statements of a migration file, split on `;` at line ends, except inside a dollar-quoted body
 * (`$$ … $$`, a trigger function's); `--` comment lines outside such a body are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  // Odd parts are inside $$ … $$ and kept whole; even parts are split.
  const parts = sql.split("$$");
  let current = "";
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      current += `$$${part}$$`;
      return;
    }
    const pieces = part.split(/;\s*(?:\n|$)/);
    pieces.forEach((piece, i) => {
      current += piece.replace(/^\s*--.*$/gm, "");
      if (i < pieces.length - 1) {
        statements.push(current);
        current = "";
      }
    });
  });
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}
