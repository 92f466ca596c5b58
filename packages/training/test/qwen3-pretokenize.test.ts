import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { asciiWordEnd, preTokenEnd, referencePreTokens } from "../src/dataset/qwen3-pretokenize.js";

/** The pre-tokens of `text[from, limit)`, scanned in place. */
function scannedPreTokens(text: string, from = 0, limit = text.length): string[] {
  const pieces: string[] = [];
  for (let start = from; start < limit;) {
    const end = limit === text.length ? preTokenEnd(text, start) : preTokenEnd(text, start, limit);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

const asciiAndSome = [...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)), "é", "你", "\u0085", "\u00a0"];

describe("Qwen3 pre-token scanner", () => {
  it("splits real source text exactly as the reference pattern", () => {
    for (const file of [fileURLToPath(import.meta.url), fileURLToPath(new URL("../src/dataset/qwen3-bpe.ts", import.meta.url))]) {
      const text = readFileSync(file, "utf8");
      expect(scannedPreTokens(text)).toEqual(referencePreTokens(text));
    }
  });

  it("splits exactly as the reference pattern on mixed scripts, contractions, digits and whitespace runs", () => {
    const units = [
      "a",
      "Z",
      "é",
      "你",
      "😀",
      "𝐀",
      "١",
      "9",
      " ",
      "  ",
      "\t",
      "\n",
      "\r\n",
      "\u00a0",
      "\u0085",
      "\ufeff",
      "'s",
      "'LL",
      "'re",
      "'x",
      "_",
      "->",
      "{",
      "\ud800",
      "\udc00",
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...units), maxLength: 40 }),
          fc.string({ unit: "binary", maxLength: 40 }),
          // Every ASCII character, mixed with a few others: the scanner reads ASCII from a table.
          fc.string({ unit: fc.constantFrom(...asciiAndSome), maxLength: 40 }),
        ),
        (text) => {
          expect(scannedPreTokens(text)).toEqual(referencePreTokens(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads a range of a longer text in place as the reference reads that range cut out", () => {
    // What follows the range could join its last pre-token if read: the rest of a contraction, a
    // surrogate's pair, a non-space after trailing spaces, more letters or digits.
    const units = ["a", "é", "😀", " ", "  ", "\n", "'", "s", "ll", "\ud83d", "\ude00", "9", "<|im_end|>", "-", "\t"];
    const textArb = fc.string({ unit: fc.constantFrom(...units), maxLength: 30 });
    fc.assert(
      fc.property(textArb, textArb, textArb, (before, range, after) => {
        const text = before + range + after;
        const limit = before.length + range.length;
        expect(scannedPreTokens(text, before.length, limit)).toEqual(referencePreTokens(range));
      }),
      { numRuns: 3000 },
    );
  });

  it("ends an ASCII word where the full scanner does, or leaves it to the full scanner", () => {
    const units = [...asciiAndSome, "word", " word", ".length", "_id", "'s", "'x", "é", "x\u0301"];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...units), maxLength: 30 }), fc.nat(), (text, cut) => {
        const limit = text.length === 0 ? 0 : cut % (text.length + 1);
        for (let start = 0; start < limit; start++) {
          const end = asciiWordEnd(text, start, limit);
          if (end >= 0) expect(end).toBe(preTokenEnd(text, start, limit));
        }
      }),
      { numRuns: 3000 },
    );
    // It does take the common cases.
    expect(asciiWordEnd(" return x", 0, 9)).toBe(7);
    expect(asciiWordEnd("a.length;", 1, 9)).toBe(8);
  });

  it("keeps a run of spaces before a word apart from the space that joins the word", () => {
    expect(scannedPreTokens("x  = 1\n\n  foo")).toEqual(["x", " ", " =", " ", "1", "\n\n", " ", " foo"]);
    expect(referencePreTokens("x  = 1\n\n  foo")).toEqual(["x", " ", " =", " ", "1", "\n\n", " ", " foo"]);
  });
});
