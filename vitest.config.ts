import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: real SQLite files, git repositories and child processes per test
    // make more workers slower, not faster.
    maxWorkers: 2,
    pool: "forks",
  },
});
