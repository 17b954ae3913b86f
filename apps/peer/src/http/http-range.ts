/**
 * The one HTTP Range form we serve: a single `bytes=` range (RFC 9110 §14). Several ranges
 * would need multipart/byteranges; a server may answer those with the whole file instead.
 */
export type RangeResult =
  | { t: "none" } // no Range header, or one we ignore (several ranges, another unit): send it all
  | { t: "range"; start: number; end: number } // half-open [start, end)
  | { t: "unsatisfiable" };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { t: "none" };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m) return { t: "none" };
  const [, a, b] = m;
  if (a === "" && b === "") return { t: "none" };
  if (a === "") {
    // suffix range: the last n bytes
    const n = Number(b);
    if (n === 0) return { t: "unsatisfiable" };
    return size === 0 ? { t: "unsatisfiable" } : { t: "range", start: Math.max(0, size - n), end: size };
  }
  const start = Number(a);
  const last = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || last < start) return { t: "unsatisfiable" };
  return { t: "range", start, end: last + 1 };
}
