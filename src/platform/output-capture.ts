/**
 * Bounded capture of one output stream: keeps the last `maxBytes` bytes, and optionally splits
 * the stream into lines for a callback. Pure byte handling, no I/O.
 */

/** A line longer than this many characters is cut to it before it reaches `onOutputLine`. */
export const MAX_LINE_CHARS = 64 * 1024;

export class TailCapture {
  readonly #maxBytes: number;
  readonly #chunks: Uint8Array[] = [];
  /** Bytes currently held in #chunks (may exceed #maxBytes by less than one chunk). */
  #held = 0;
  #total = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(chunk: Uint8Array): void {
    this.#total += chunk.length;
    if (this.#maxBytes === 0) return;
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    // Drop whole chunks from the front while the rest still covers the budget.
    while (this.#chunks.length > 1 && this.#held - this.#chunks[0]!.length >= this.#maxBytes) {
      this.#held -= this.#chunks.shift()!.length;
    }
  }

  get truncated(): boolean {
    return this.#total > this.#maxBytes;
  }

  /** The kept tail as text. A UTF-8 sequence cut at the start of the tail is dropped, not mangled. */
  text(): string {
    const all = new Uint8Array(this.#held);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    let start = Math.max(0, all.length - this.#maxBytes);
    if (start > 0) {
      // Skip continuation bytes (0b10xxxxxx) left over from a character whose start was cut off.
      while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    }
    return new TextDecoder().decode(all.subarray(start));
  }
}

/** Splits a byte stream into lines (`\n`, with a trailing `\r` removed) for a callback. */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #emit: (line: string) => void;
  #pending = "";
  /** True while the rest of an over-long line is being skipped. */
  #skipping = false;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Uint8Array): void {
    this.#take(this.#decoder.decode(chunk, { stream: true }));
  }

  /** Delivers a last line that had no `\n`. */
  end(): void {
    this.#take(this.#decoder.decode());
    if (this.#pending.length > 0 || this.#skipping) this.#deliver(this.#pending);
    this.#pending = "";
    this.#skipping = false;
  }

  #take(text: string): void {
    let from = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", from)) {
      this.#append(text.slice(from, nl));
      this.#deliver(this.#pending);
      this.#pending = "";
      this.#skipping = false;
      from = nl + 1;
    }
    this.#append(text.slice(from));
  }

  #append(piece: string): void {
    if (this.#skipping) return;
    this.#pending += piece.slice(0, MAX_LINE_CHARS + 1 - this.#pending.length);
    if (this.#pending.length > MAX_LINE_CHARS) {
      this.#pending = this.#pending.slice(0, MAX_LINE_CHARS);
      this.#skipping = true;
    }
  }

  #deliver(line: string): void {
    this.#emit(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}
