import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packTexts, unpackTexts } from "../src/dataset/packed-texts.js";

describe("texts packed for a token worker", () => {
  it("unpack to the same strings: ASCII, Latin-1, astral, lone surrogates and empty ones", () => {
    const unit = fc.oneof(
      fc.constantFrom("a", "\n", "é", "ÿ", "\u0085", "→", "你", "😀", "\ud800", "\udfff", "<|im_end|>"),
      fc.string({ unit: "binary", maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 30 }), { maxLength: 12 }), (texts) => {
        expect(unpackTexts(packTexts(texts))).toEqual(texts);
      }),
      { numRuns: 500 },
    );
  });

  it("take one byte per character for ASCII and two for anything else", () => {
    const { bytes, layout } = packTexts(["plain ascii", "café", ""]);
    expect([...layout]).toEqual([0, 11, 0, 11, 8, 1, 19, 0, 0]);
    expect(bytes.byteLength).toBe(19);
  });
});
