import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PieceCounts } from "../src/dataset/qwen3-piece-counts.js";

/** Looks `text[start, end)` up, as the counter does: the hash first, then the range. */
function lookup(pieces: PieceCounts, text: string, start: number, end: number): number {
  return pieces.get(text, start, end, PieceCounts.hash(text, start, end));
}

function store(pieces: PieceCounts, text: string, start: number, end: number, count: number): void {
  pieces.set(text, start, end, PieceCounts.hash(text, start, end), count);
}

/** A count that differs between most pieces, so an answer for the wrong piece shows. */
const countOf = (piece: string) => piece.length * 31 + piece.charCodeAt(0);

/** Pieces drawn from a small alphabet, so equal pieces at different places of the text are common. */
const piecesArb = fc.array(fc.string({ unit: fc.constantFrom("a", "b", "é", "→", " ", "_"), minLength: 1, maxLength: 12 }), { maxLength: 200 });

describe("PieceCounts, the counter's cache of long pieces", () => {
  it("finds every stored piece by its range in any text, with the count stored for it", () => {
    fc.assert(
      fc.property(piecesArb, (pieces) => {
        const cache = new PieceCounts(1_000_000);
        const stored = new Set<string>();
        // The pieces concatenated: each is looked up by its range of the whole text, not as a string.
        const text = pieces.join("");
        let start = 0;
        for (const piece of pieces) {
          const end = start + piece.length;
          expect(lookup(cache, text, start, end)).toBe(stored.has(piece) ? countOf(piece) : -1);
          if (!stored.has(piece)) store(cache, text, start, end, countOf(piece));
          stored.add(piece);
          start = end;
        }
      }),
    );
  });

  it("never answers with another piece's count, when full and cleared as well", () => {
    fc.assert(
      fc.property(piecesArb, fc.integer({ min: 1, max: 20 }), (pieces, maxEntries) => {
        const cache = new PieceCounts(maxEntries);
        const text = pieces.join("");
        let start = 0;
        for (const piece of pieces) {
          const end = start + piece.length;
          const found = lookup(cache, text, start, end);
          if (found >= 0) expect(found).toBe(countOf(piece));
          else store(cache, text, start, end, countOf(piece));
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
          start = end;
        }
      }),
    );
  });

  it("keeps every entry while its table and character pool grow", () => {
    const cache = new PieceCounts(1_000_000);
    // 40,000 distinct 32-character pieces: past the table's first 65,536 slots at half load, and past
    // the pool's first million characters.
    const pieces = Array.from({ length: 40_000 }, (_, i) => `piece-${String(i).padStart(26, "0")}`);
    const text = pieces.join("");
    pieces.forEach((piece, i) => store(cache, text, i * 32, i * 32 + 32, i % 250));
    expect(cache.size).toBe(40_000);
    pieces.forEach((piece, i) => expect(lookup(cache, piece, 0, 32)).toBe(i % 250));
    expect(lookup(cache, "piece-not-stored-00000000000000", 0, 31)).toBe(-1);
  });
});
