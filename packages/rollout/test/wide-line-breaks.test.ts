import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasWideRareLineBreak } from "../src/verify/wide-line-breaks.js";

/** Python's line separators other than "\n", the ones the SIMD scan looks for. */
const SEPARATORS = [0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029];

/** The definition the scan must match: one indexOf per separator. */
function containsSeparator(text: string): boolean {
  return SEPARATORS.some((code) => text.includes(String.fromCharCode(code)));
}

/**
 * Units next to each separator in value, in its low byte or in its narrowed byte: `\n`, `\t`,
 * the other control characters the cheap filter lets through, `ÿ` (narrows like any wide unit),
 * U+2027/U+202A, U+2128 and U+2820 (the separator's bytes swapped), and units above U+7FFF
 * (which narrow to 0).
 */
const NEAR_MISSES = [0x09, 0x0a, 0x0e, 0x1b, 0x1f, 0x84, 0x86, 0xff, 0x100, 0x2027, 0x202a, 0x2128, 0x2820, 0x8085, 0xa028, 0xffff];

const unitArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 3, arbitrary: fc.constantFrom(...NEAR_MISSES) },
  { weight: 1, arbitrary: fc.constantFrom(...SEPARATORS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

describe("hasWideRareLineBreak", () => {
  it("agrees with one indexOf per separator on random UTF-16 text", () => {
    fc.assert(
      fc.property(fc.array(unitArb, { maxLength: 300 }), (units) => {
        const text = String.fromCharCode(...units);
        expect(hasWideRareLineBreak(text)).toBe(containsSeparator(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees on separator-free text, the common case, with only near misses in it", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...NEAR_MISSES, 0x41, 0x2192), { maxLength: 400 }), (units) => {
        expect(hasWideRareLineBreak(String.fromCharCode(...units))).toBe(false);
      }),
    );
  });

  it("finds a separator at every position around the 64-byte steps and the 32K-character copies", () => {
    const filler = "→".repeat(70_000);
    expect(hasWideRareLineBreak(filler)).toBe(false);
    for (const at of [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 32_767, 32_768, 32_769, 65_535, 65_536, 69_999]) {
      for (const code of SEPARATORS) {
        const text = filler.slice(0, at) + String.fromCharCode(code) + filler.slice(at + 1);
        expect(hasWideRareLineBreak(text), `U+${code.toString(16)} at ${at}`).toBe(true);
      }
    }
  });
});
