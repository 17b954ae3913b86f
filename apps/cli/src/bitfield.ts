/**
 * Which chunks of a download are verified: one bit per chunk, most significant bit first
 * (chunk 0 is 0x80 of byte 0, as BitTorrent's bitfield), saved as base64 in the sidecar.
 */
export class Bitfield {
  readonly #bytes: Uint8Array;

  private constructor(
    /** Number of chunks the field covers. */
    readonly length: number,
    bytes: Uint8Array,
  ) {
    this.#bytes = bytes;
  }

  /** No chunk verified. */
  static empty(length: number): Bitfield {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bitfield length must be a count, got ${length}`);
    return new Bitfield(length, new Uint8Array(Math.ceil(length / 8)));
  }

  /** The first `count` chunks verified: the meaning of the old prefix sidecar (p2p-download/1). */
  static prefix(length: number, count: number): Bitfield {
    const b = Bitfield.empty(length);
    for (let i = 0; i < Math.min(count, length); i++) b.set(i);
    return b;
  }

  /**
   * Parses the base64 text of a field of `length` bits; answers the reason when it is not one:
   * not canonical base64, the wrong number of bytes, or bits set past the last chunk.
   */
  static parse(text: string, length: number): Bitfield | string {
    const bytes = Buffer.from(text, "base64");
    // Buffer.from skips characters it does not know; only the canonical spelling round-trips.
    if (bytes.toString("base64") !== text) return "bitfield is not base64";
    const want = Math.ceil(length / 8);
    if (bytes.length !== want) return `bitfield has ${bytes.length} bytes, ${length} chunks need ${want}`;
    const spare = want * 8 - length;
    if (spare > 0 && (bytes[want - 1]! & ((1 << spare) - 1)) !== 0) return "bitfield marks chunks past the end of the file";
    return new Bitfield(length, new Uint8Array(bytes));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.length && (this.#bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0;
  }

  set(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`chunk ${i} is outside 0..${this.length - 1}`);
    this.#bytes[i >> 3]! |= 0x80 >> (i & 7);
  }

  /** Indexes of the set bits, ascending. */
  indexes(): number[] {
    return this.#where(true);
  }

  /** Indexes of the clear bits, ascending: what is still to fetch. */
  missing(): number[] {
    return this.#where(false);
  }

  #where(set: boolean): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.has(i) === set) out.push(i);
    return out;
  }

  count(): number {
    return this.indexes().length;
  }

  /** A copy, so that a snapshot being saved does not change under the writer. */
  clone(): Bitfield {
    return new Bitfield(this.length, new Uint8Array(this.#bytes));
  }

  toBase64(): string {
    return Buffer.from(this.#bytes).toString("base64");
  }
}
