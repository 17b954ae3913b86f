/**
 * Headers for files the dashboard proxies from peers. A file's bytes and name come from
 * whoever uploaded it: served inline from the dashboard's origin, an HTML or SVG file would
 * run script with the operator's session. So every file is an attachment of opaque bytes.
 */

/** The name made safe for a header and a save dialog: no paths, quotes, controls; ≤ 200 chars; never empty. */
export function safeFilename(name: string): string {
  const cleaned = name
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f"\\/:*?<>|]/g, "_")
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "") // bidi overrides disguise extensions ("evil\u202Egpj.exe")
    .trim()
    .replace(/^\.+/, "_")
    .slice(0, 200);
  return cleaned || "download";
}

/** `attachment` with an ASCII fallback name and the UTF-8 one (RFC 6266 / RFC 8187). */
export function attachmentDisposition(name: string): string {
  const safe = safeFilename(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, "_");
  const utf8 = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/** The filename a peer's Content-Disposition names (filename* preferred), if any. */
export function dispositionFilename(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  return /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header)?.[1]?.replace(/\\(.)/g, "$1") ?? /filename\s*=\s*([^;\s]+)/i.exec(header)?.[1];
}

/**
 * Passes at most `max` bytes; beyond, the stream errors (the download fails rather than
 * streaming without bound when a peer sends no Content-Length or lies about it).
 */
export function capBytes(body: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      seen += chunk.byteLength;
      if (seen > max) ctl.error(new Error(`file larger than DASHBOARD_MAX_DOWNLOAD_BYTES (${max})`));
      else ctl.enqueue(chunk);
    },
  }));
}
