export { openStore, buildPGliteDir, type Store, type Queryable, type StoreOptions } from "./store.js";
export { migrateStore, readMigrations, type Migration } from "./migrate.js";
export * from "./queue.js";
export { recordDelivery, pruneDeliveries } from "./deliveries.js";
export { createJobRunner, computeRetryDelayMs, type JobHandler, type JobOutcome, type JobContext, type JobRunner } from "./runner.js";
