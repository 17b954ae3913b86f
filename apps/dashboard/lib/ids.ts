/**
 * 256-bit IDs and ring positions as 64 lowercase hex characters (peer IDs, SHA-256 of
 * record keys), and the small amount of arithmetic the views need on them.
 */

/** True for a well-formed ID: exactly 64 lowercase hex characters. */
export function isId(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/**
 * Position of an ID on the ring as a fraction in [0, 1). The top 52 bits are enough for
 * drawing: a double holds them exactly, and two IDs closer than 2^-52 of the ring are
 * indistinguishable on any screen.
 */
export function ringFraction(id: string): number {
  return parseInt(id.slice(0, 13), 16) / 2 ** 52;
}

/** Bit `depth` (0 = most significant) of a hex ID. */
export function bitAt(id: string, depth: number): 0 | 1 {
  const nibble = parseInt(id[depth >> 2] ?? "0", 16);
  return ((nibble >> (3 - (depth & 3))) & 1) as 0 | 1;
}

/** "1a2b3c4d…9f0e": short enough for a table cell, distinct enough to tell peers apart. */
export function shortId(id: string, head = 8, tail = 4): string {
  if (id.length <= head + tail + 1) return id;
  return `${id.slice(0, head)}…${tail > 0 ? id.slice(-tail) : ""}`;
}

/** XOR distance of two IDs, for comparisons only (BigInt: slow, use sparingly). */
export function xorDistance(a: string, b: string): bigint {
  return BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
}
