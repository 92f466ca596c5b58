/**
 * Texts on their way to a token worker, packed into one transferable buffer. A structured clone of
 * an array of strings serialises each one and builds it again on the other side; the worker, the
 * export's bottleneck on two cores, spent 10% of its time in that. Packed, the main thread copies
 * each text once into the buffer and the worker makes each string with one copy out of it.
 */
export interface PackedTexts {
  bytes: ArrayBuffer;
  /** Per text: byte offset, byte length, and 1 when stored as UTF-16 (0: one byte per character). */
  layout: Int32Array;
}

/** Fields per text in `layout`. */
const FIELDS = 3;

export function packTexts(texts: readonly string[]): PackedTexts {
  const layout = new Int32Array(texts.length * FIELDS);
  let size = 0;
  texts.forEach((text, index) => {
    // ASCII goes one byte per character; anything else as UTF-16, which keeps every code unit.
    const wide = Buffer.byteLength(text, "utf8") !== text.length;
    const length = wide ? text.length * 2 : text.length;
    const at = index * FIELDS;
    layout[at] = size;
    layout[at + 1] = length;
    layout[at + 2] = wide ? 1 : 0;
    size += length;
  });
  const bytes = Buffer.allocUnsafeSlow(size);
  texts.forEach((text, index) => {
    const at = index * FIELDS;
    bytes.write(text, layout[at], layout[at + 1], layout[at + 2] === 1 ? "utf16le" : "latin1");
  });
  return { bytes: bytes.buffer as ArrayBuffer, layout };
}

export function unpackTexts({ bytes, layout }: PackedTexts): string[] {
  const buffer = Buffer.from(bytes);
  const texts: string[] = [];
  for (let at = 0; at < layout.length; at += FIELDS) {
    const start = layout[at];
    texts.push(buffer.toString(layout[at + 2] === 1 ? "utf16le" : "latin1", start, start + layout[at + 1]));
  }
  return texts;
}
