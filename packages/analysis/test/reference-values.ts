import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const directory = fileURLToPath(new URL("../reference-values/", import.meta.url));

// The JSON shapes are fixed by the committed Python scripts; tests index them directly.
export function readReference(name: "fits.json" | "stats.json"): any {
  return JSON.parse(readFileSync(directory + name, "utf8"));
}

/** |actual − expected| ≤ max(rel·|expected|, abs). */
export function expectClose(actual: number, expected: number, rel: number, abs = 1e-12): void {
  const tolerance = Math.max(rel * Math.abs(expected), abs);
  if (!(Math.abs(actual - expected) <= tolerance)) {
    expect.fail(`expected ${actual} to be within ${tolerance} of ${expected}`);
  }
}
