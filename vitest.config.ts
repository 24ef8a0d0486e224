import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests and the Chromium check take longer than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
