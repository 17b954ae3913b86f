/**
 * The fuzzer's two wires, kept raw on purpose: HTTP through node:http (any method, any header,
 * a body that stops short of its Content-Length) and gRPC through grpc-js with identity
 * serializers (any bytes as a message, streams left half-open). Each call reports how it ended;
 * a call the peer never answers within the deadline is a hang, the finding that matters.
 */
import { request } from "node:http";
import * as grpc from "@grpc/grpc-js";

export type Ending =
  | { t: "answered"; status: string; /** The start of the error message, for answers that blame the server (500, INTERNAL, UNKNOWN). */ detail?: string }
  | { t: "transport"; error: string }
  | { t: "hang" }
  | { t: "abandoned" };

export interface HttpCall {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Send only this many bytes of the body, then hold the request open until `abandonAfterMs`. */
  stopAfterBytes?: number;
  abandonAfterMs?: number;
}

/** One HTTP request to host:port; resolves, never rejects. */
export function httpCall(address: string, call: HttpCall, deadlineMs: number): Promise<Ending> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve) => {
    let settled = false;
    const done = (e: Ending) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(e);
    };
    const body = typeof call.body === "string" ? Buffer.from(call.body) : call.body ? Buffer.from(call.body) : undefined;
    const req = request({ host, port, method: call.method, path: call.path, headers: { ...(body ? { "content-length": String(body.length) } : {}), ...call.headers } }, (res) => {
      // Only a server error's message is kept (its start); other answers are drained unread.
      let detail = "";
      res.on("data", (chunk: Buffer) => {
        if ((res.statusCode ?? 0) >= 500 && detail.length < 200) detail += chunk.toString("utf8", 0, 200);
      });
      const where = `${call.method} ${call.path.split("?")[0]!.slice(0, 60)}`;
      const answered = () => done({ t: "answered", status: String(res.statusCode), ...(detail ? { detail: `${where} ${detail.slice(0, 200)}` } : {}) });
      res.on("end", answered);
      res.on("error", answered);
    });
    req.on("error", (err) => done({ t: "transport", error: (err as NodeJS.ErrnoException).code ?? err.message }));
    const halfOpen = call.stopAfterBytes !== undefined;
    const timer = setTimeout(() => done(halfOpen ? { t: "abandoned" } : { t: "hang" }), halfOpen ? (call.abandonAfterMs ?? 2000) : deadlineMs);
    if (body && halfOpen) req.write(body.subarray(0, call.stopAfterBytes));
    else req.end(body);
  });
}

const identity = (b: Buffer) => b;

/** Raw gRPC calls to one peer's gRPC port. */
export class RawGrpc {
  readonly #client: grpc.Client;

  /** `credentials`: the peer's TLS as a peer of its own (peerClientCredentials), or plaintext for an --insecure peer. */
  constructor(address: string, credentials: grpc.ChannelCredentials) {
    this.#client = new grpc.Client(address, credentials, { "grpc.max_receive_message_length": 8 * 1024 * 1024 });
  }

  unary(path: string, payload: Uint8Array, deadlineMs: number): Promise<Ending> {
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(path, identity, identity, Buffer.from(payload), new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err) => {
        resolve(endingOf(err, path));
      });
    });
  }

  /** A server stream: reads every frame to the end. */
  serverStream(path: string, payload: Uint8Array, deadlineMs: number): Promise<Ending> {
    return new Promise((resolve) => {
      const call = this.#client.makeServerStreamRequest(path, identity, identity, Buffer.from(payload), new grpc.Metadata(), { deadline: Date.now() + deadlineMs });
      call.on("data", () => {});
      call.on("error", (err: grpc.ServiceError) => resolve(endingOf(err, path)));
      call.on("end", () => resolve({ t: "answered", status: "OK" }));
    });
  }

  /**
   * A client stream of `frames`; ended when `halfOpenMs` is undefined, otherwise left open that
   * long and then cancelled (an abandoned upload, the way a cut connection looks to the peer).
   */
  clientStream(path: string, frames: Uint8Array[], deadlineMs: number, halfOpenMs?: number): Promise<Ending> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (e: Ending) => {
        if (!settled) {
          settled = true;
          resolve(e);
        }
      };
      const call = this.#client.makeClientStreamRequest(path, identity, identity, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err) => settle(endingOf(err, path)));
      for (const f of frames) call.write(Buffer.from(f));
      if (halfOpenMs === undefined) call.end();
      else {
        setTimeout(() => {
          call.cancel();
          settle({ t: "abandoned" });
        }, halfOpenMs);
      }
    });
  }

  close(): void {
    this.#client.close();
  }
}

function endingOf(err: grpc.ServiceError | null | undefined, path: string): Ending {
  if (!err) return { t: "answered", status: "OK" };
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return { t: "hang" };
  if (err.code === grpc.status.UNAVAILABLE && /ECONN|No connection|Connection dropped/i.test(err.details)) return { t: "transport", error: err.details.slice(0, 80) };
  const serverBlamed = err.code === grpc.status.INTERNAL || err.code === grpc.status.UNKNOWN;
  return { t: "answered", status: grpc.status[err.code] ?? String(err.code), ...(serverBlamed ? { detail: `${path} ${err.details.slice(0, 200)}` } : {}) };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i).replace(/^\[|\]$/g, ""), Number(address.slice(i + 1))];
}
