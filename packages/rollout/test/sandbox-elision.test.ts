import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { elideMiddle, HeadTailCapture } from "../src/sandbox/index.js";

const MARKER = /\n… \[(\d+) characters elided\] …\n/;

/** Splits an elided result back into head, elided count and tail. */
function parseElided(result: string): { head: string; elided: number; tail: string } {
  const match = MARKER.exec(result);
  if (!match) throw new Error(`no marker in ${JSON.stringify(result)}`);
  return {
    head: result.slice(0, match.index),
    elided: Number(match[1]),
    tail: result.slice(match.index + match[0].length),
  };
}

function hasLoneSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      index += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

describe("elideMiddle", () => {
  it("returns text within the cap unchanged", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(300), (text, extra) => {
        expect(elideMiddle(text, text.length + extra)).toBe(text);
      }),
    );
  });

  it("keeps exactly the first ceil(max/2) and last floor(max/2) characters of ASCII text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.nat(399), (text, rawMax) => {
        fc.pre(text.length > 0);
        const max = rawMax % text.length; // always below the length, so elision happens
        const { head, elided, tail } = parseElided(elideMiddle(text, max));
        const headChars = Math.ceil(max / 2);
        const tailChars = max - headChars;
        expect(head).toBe(text.slice(0, headChars));
        expect(tail).toBe(text.slice(text.length - tailChars));
        expect(elided).toBe(text.length - max);
      }),
    );
  });

  it("never splits a surrogate pair and accounts for every character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), fc.nat(240), (text, rawMax) => {
        fc.pre(text.length > 0);
        const max = rawMax % text.length;
        const result = elideMiddle(text, max);
        const { head, elided, tail } = parseElided(result);
        expect(text.startsWith(head)).toBe(true);
        expect(text.endsWith(tail)).toBe(true);
        expect(head.length + elided + tail.length).toBe(text.length);
        expect(head.length).toBeGreaterThanOrEqual(Math.ceil(max / 2) - 1);
        expect(tail.length).toBeGreaterThanOrEqual(max - Math.ceil(max / 2) - 1);
        expect(hasLoneSurrogate(result)).toBe(false);
      }),
    );
  });

  it("shows the number of removed characters in the marker", () => {
    expect(elideMiddle("abcdefghij", 4)).toBe("ab\n… [6 characters elided] …\nij");
    expect(elideMiddle("abcdefghij", 0)).toBe("\n… [10 characters elided] …\n");
  });
});

describe("HeadTailCapture", () => {
  it("gives the same text as elideMiddle over the joined chunks, however the stream is chunked", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 50 }), { maxLength: 40 }), fc.nat(120), (chunks, max) => {
        const capture = new HeadTailCapture(max);
        for (const chunk of chunks) capture.push(chunk);
        const joined = chunks.join("");
        expect(capture.text()).toBe(elideMiddle(joined, max));
        expect(capture.truncated).toBe(joined.length > max);
        expect(capture.totalChars).toBe(joined.length);
      }),
    );
  });

  it("holds a bounded amount of a very long stream", () => {
    const capture = new HeadTailCapture(100);
    for (let index = 0; index < 10_000; index += 1) capture.push(`line ${index}\n`);
    const text = capture.text();
    expect(text.startsWith("line 0\nline 1\n")).toBe(true);
    expect(text.endsWith("line 9999\n")).toBe(true);
    expect(text.length).toBeLessThan(200);
  });
});
