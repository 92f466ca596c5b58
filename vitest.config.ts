import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "test"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Vitest's default is one worker fewer than the cores: one file at a time on a 2-core CI machine. Most of the
    // suite's time is spent waiting on child processes (sera commands, Slurm jobs, sandboxes, containers), so two
    // files at a time keep both cores busy.
    maxWorkers: 2,
  },
});
