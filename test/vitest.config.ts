import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "e2e", include: ["**/*.test.ts"], exclude: ["support/**", "**/node_modules/**"], testTimeout: 240_000, hookTimeout: 240_000 },
});
