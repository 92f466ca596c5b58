import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { preTokenEnd, referencePreTokens } from "../src/dataset/qwen3-pretokenize.js";

function scannedPreTokens(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    const end = preTokenEnd(text, start);
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

  it("keeps a run of spaces before a word apart from the space that joins the word", () => {
    expect(scannedPreTokens("x  = 1\n\n  foo")).toEqual(["x", " ", " =", " ", "1", "\n\n", " ", " foo"]);
    expect(referencePreTokens("x  = 1\n\n  foo")).toEqual(["x", " ", " =", " ", "1", "\n\n", " ", " foo"]);
  });
});
