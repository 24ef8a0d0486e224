/** The embedded store on disk: a queued job survives closing and reopening; one process per directory. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claimJob, enqueueJob, openStore } from "../../src/store/index.js";

describe("PGlite on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "canary-bot-pglite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a queued job across a restart, and refuses a second opener while the first is open", async () => {
    const first = await openStore({ dataDir: dir });
    await enqueueJob(first, { kind: "review", key: "1/o/r#1", installationId: 1, payload: { owner: "o", repo: "r", number: 1 }, maxAttempts: 8 });
    // Another live process holds the lock (this test's parent stands in for it).
    rmSync(join(dir, "canary-bot.lock"));
    writeFileSync(join(dir, "canary-bot.lock"), String(process.ppid));
    await expect(openStore({ dataDir: dir })).rejects.toThrow(`the PGlite store in ${dir} is in use by process ${process.ppid}`);
    writeFileSync(join(dir, "canary-bot.lock"), String(process.pid));
    await first.close();

    const second = await openStore({ dataDir: dir });
    const job = await claimJob(second, { workerId: "w", kinds: ["review"], leaseMs: 1000 });
    expect(job?.payload).toEqual({ owner: "o", repo: "r", number: 1 });
    await second.close();
  });
});
