/**
 * Widens the HTTP/2 receive window of the connection a chunk upload arrives on.
 *
 * Why: HTTP/2 starts every connection and stream with a 64 KiB receive window, and a grpc-js
 * server offers no option to change it (its client does: `grpc-node.flow_control_window`).
 * With 64 KiB, an uploader sending 8 chunks at once to a holder gets one 64 KiB frame across
 * per window update, i.e. per turn of the holder's event loop, which is busy hashing and
 * storing chunks: the link idles while both sides wait. Measured on a 5-peer upload, the
 * uploading peer was idle more than half of the time.
 *
 * grpc-js exposes the HTTP/2 session only through its call objects' internals, so this walks
 * them defensively: if the shape is not the expected one, nothing happens (the transfer works
 * as before, only slower). Memory stays bounded: a chunk stream is admitted (max transfers in
 * progress) before its window is widened, and each stream still carries one declared chunk.
 */
import type { Http2Session } from "node:http2";

/** Receive window per stream and per connection once widened: two 1 MiB chunks per stream, 16 per connection. */
export const CHUNK_STREAM_WINDOW_BYTES = 2 << 20;
export const CHUNK_CONNECTION_WINDOW_BYTES = 16 << 20;

const widened = new WeakSet<Http2Session>();

/** The HTTP/2 session a grpc-js server call arrived on, or undefined when grpc-js hides it (exported for tests). */
export function sessionOf(call: unknown): Http2Session | undefined {
  // ServerReadableStream.call → ServerInterceptingCall(.nextCall)* → BaseServerInterceptingCall.stream.session
  let c = (call as { call?: unknown }).call as { nextCall?: unknown; stream?: { session?: Http2Session } } | undefined;
  for (let depth = 0; c && depth < 8; depth++) {
    if (c.stream?.session) return c.stream.session;
    c = c.nextCall as typeof c;
  }
  return undefined;
}

/** Widens the receive window of the HTTP/2 connection `call` arrived on, once per connection. */
export function widenReceiveWindow(call: unknown): void {
  const session = sessionOf(call);
  if (!session || widened.has(session) || session.destroyed) return;
  widened.add(session);
  try {
    session.setLocalWindowSize(CHUNK_CONNECTION_WINDOW_BYTES);
    session.settings({ initialWindowSize: CHUNK_STREAM_WINDOW_BYTES });
  } catch {
    // a closing session: nothing to widen
  }
}
