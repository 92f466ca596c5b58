import { createHash } from "node:crypto";

/** Hex SHA-256 of the parts, separated so ("ab","c") and ("a","bc") differ. */
export function digestOf(...parts: readonly (string | number)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(String(part));
    hash.update("\u0000");
  }
  return hash.digest("hex");
}

/** A number in [0, 1) drawn from the parts; the same parts always give the same number. */
export function unitOf(...parts: readonly (string | number)[]): number {
  return parseInt(digestOf(...parts).slice(0, 13), 16) / 2 ** 52;
}

/** An index in [0, n) drawn from the parts. */
export function indexOf(n: number, ...parts: readonly (string | number)[]): number {
  return Math.floor(unitOf(...parts) * n);
}
