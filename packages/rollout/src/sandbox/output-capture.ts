/**
 * Output capping shared by the sandbox and the agent's tools: a long text keeps
 * its beginning and its end, because errors and summaries tend to sit at either
 * extreme, and the middle is replaced by a marker saying how much went missing.
 */

export function elisionMarker(elidedChars: number): string {
  return `\n… [${elidedChars} characters elided] …\n`;
}

export interface ElisionSplit {
  /** Characters kept from the start of the text. */
  headChars: number;
  /** Characters kept from the end of the text. */
  tailChars: number;
}

/**
 * How many characters of head and tail survive a cap of `maxChars` kept
 * characters. The head gets the odd character. A boundary that would cut a
 * UTF-16 surrogate pair in half moves one unit inwards so no lone surrogate is
 * produced (it would turn into U+FFFD once encoded).
 */
export function elisionSplit(text: string, maxChars: number): ElisionSplit {
  return chooseSplit(
    maxChars,
    (index) => text.charCodeAt(index),
    (fromEnd) => text.charCodeAt(text.length - fromEnd),
  );
}

function chooseSplit(maxChars: number, codeAt: (index: number) => number, codeFromEnd: (fromEnd: number) => number): ElisionSplit {
  const budget = Math.max(0, Math.floor(maxChars));
  let headChars = Math.ceil(budget / 2);
  let tailChars = budget - headChars;
  if (headChars > 0 && isHighSurrogate(codeAt(headChars - 1))) headChars -= 1;
  if (tailChars > 0 && isLowSurrogate(codeFromEnd(tailChars))) tailChars -= 1;
  return { headChars, tailChars };
}

/**
 * Returns `text` unchanged when it has at most `maxChars` characters. Otherwise
 * keeps (about) `maxChars` characters — half from the start, half from the end —
 * and puts a marker naming the number of removed characters between them. The
 * marker itself is not counted against `maxChars`.
 */
export function elideMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const { headChars, tailChars } = elisionSplit(text, maxChars);
  const elided = text.length - headChars - tailChars;
  return text.slice(0, headChars) + elisionMarker(elided) + text.slice(text.length - tailChars);
}

/**
 * Streaming counterpart of `elideMiddle`: accepts chunks as a process produces
 * them while holding at most about 3 × maxChars characters, and yields exactly
 * what `elideMiddle(allChunksJoined, maxChars)` would.
 */
export class HeadTailCapture {
  readonly maxChars: number;
  private head = "";
  private tail = "";
  private total = 0;

  constructor(maxChars: number) {
    this.maxChars = Math.max(0, Math.floor(maxChars));
  }

  push(chunk: string): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    // Both windows hold more than the half they contribute, so the surrogate
    // check at each boundary sees the same neighbours the full text would show.
    const headRoom = this.maxChars + 1 - this.head.length;
    if (headRoom > 0) this.head += chunk.slice(0, headRoom);
    this.tail += chunk;
    const tailKeep = this.maxChars + 1;
    if (this.tail.length > 2 * tailKeep + 4096) this.tail = this.tail.slice(this.tail.length - tailKeep);
  }

  get totalChars(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.maxChars;
  }

  text(): string {
    if (!this.truncated) return this.head.slice(0, this.total);
    const tail = this.tail;
    const { headChars, tailChars } = chooseSplit(
      this.maxChars,
      (index) => this.head.charCodeAt(index),
      (fromEnd) => tail.charCodeAt(tail.length - fromEnd),
    );
    const elided = this.total - headChars - tailChars;
    return this.head.slice(0, headChars) + elisionMarker(elided) + tail.slice(tail.length - tailChars);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
