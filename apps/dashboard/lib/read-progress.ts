/**
 * Reads a response body chunk by chunk, reporting the bytes received so far: a plain
 * `<a download>` gives the page no progress at all, and a large file through a slow peer
 * looked stuck.
 */

/** Total size from a response's headers: Content-Length, else the end of Content-Range; undefined when unknown. */
export function expectedBytes(headers: Headers, fallback?: number): number | undefined {
  const range = /\/(\d+)$/.exec(headers.get("content-range") ?? "");
  const n = Number(range ? range[1] : headers.get("content-length") ?? NaN);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Drains `body`, calling `onProgress(received)` after each chunk (at most every `everyMs`,
 * and always for the last), and returns the chunks in order.
 */
export async function readWithProgress(body: ReadableStream<Uint8Array>, onProgress: (received: number) => void, everyMs = 50, now = Date.now): Promise<Uint8Array[]> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let reportedAt = -Infinity;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    // A re-render per 64 KiB chunk is wasted work on a fast link: report at most every everyMs.
    if (now() - reportedAt >= everyMs) {
      reportedAt = now();
      onProgress(received);
    }
  }
  onProgress(received);
  return chunks;
}
