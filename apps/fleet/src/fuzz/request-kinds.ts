/**
 * What the fuzzer sends, by kind: the REST routes, the Connect API (JSON, binary, GET), every
 * PeerService method over raw gRPC (malformed bytes and well-shaped random messages, streams
 * left half-open) and HTTP requests whose body never arrives. Each kind takes a peer and a
 * seeded PRNG and says how the call ended.
 *
 * Left out on purpose: NodeService.Leave (it makes a peer stop serving data by design; it moves to
 * an admin surface with the trust issue) and writes of the keys the run checks afterwards (a
 * random key never is one: they carry a prefix random strings do not produce).
 */
import { toBinary, toJson, type DescMethod } from "@bufbuild/protobuf";
import { NodeService } from "@p2p/proto/node";
import { PeerService } from "@p2p/proto/peer";
import type { Prng } from "../chaos/prng.js";
import { randomBytes, randomMessage, randomString } from "./random-message.js";
import { httpCall, type Ending, type HttpCall, type RawGrpc } from "./wire.js";

export interface FuzzTarget {
  httpAddress: string;
  grpc: RawGrpc;
}

export type RequestKind = (rng: Prng, target: FuzzTarget, deadlineMs: number) => Promise<Ending>;

const nodeMethods = NodeService.methods.filter((m) => m.name !== "Leave");

const path = (m: DescMethod) => `/${m.parent.typeName}/${m.name}`;

/** A message of the method's input type, as binary: sometimes well-formed, sometimes not. */
function payloadFor(rng: Prng, method: DescMethod): Uint8Array {
  const r = rng.next();
  if (r < 0.25) return randomBytes(rng, 2000);
  const bytes = toBinary(method.input, randomMessage(rng, method.input));
  if (r < 0.35 && bytes.length) {
    const cut = bytes.slice(0, rng.int(0, bytes.length - 1)); // truncated mid-field
    return cut;
  }
  return bytes;
}

/** JSON of the method's input type, sometimes broken the ways hand-written JSON breaks. */
function jsonFor(rng: Prng, method: DescMethod): string {
  let text: string;
  try {
    text = JSON.stringify(toJson(method.input, randomMessage(rng, method.input)));
  } catch {
    text = "{}";
  }
  const r = rng.next();
  if (r < 0.5) return text;
  if (r < 0.6) return text.slice(0, rng.int(0, text.length));
  if (r < 0.7) return `[${text}]`;
  if (r < 0.75) return "{".repeat(rng.int(1, 5000));
  if (r < 0.8) return JSON.stringify({ key: 12, value: { nested: true }, trace: "yes", pageSize: -1, unknownField: 1 });
  if (r < 0.85) return "";
  if (r < 0.9) return "\uFEFF" + text;
  const i = rng.int(0, Math.max(0, text.length - 1));
  return text.slice(0, i) + String.fromCharCode(rng.int(0, 127)) + text.slice(i + 1);
}

const hex64 = (rng: Prng) => Array.from({ length: 64 }, () => "0123456789abcdef"[rng.int(0, 15)]).join("");
/** Percent-encoded; a lone surrogate (which encodeURIComponent refuses) goes as its raw WTF-8 bytes. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80" + encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ""));
  }
}
const urlPart = (rng: Prng) => (rng.next() < 0.2 ? rng.pick(["%zz", "%", "..", "%2e%2e", "a%00b", "%ED%A0%80", "%FF"]) : encode(randomString(rng)));

const connectJson: RequestKind = (rng, t, d) => {
  const m = rng.pick(nodeMethods);
  const contentType = rng.pick(["application/json", "application/json", "application/connect+json", "text/plain", "application/json; charset=latin1"]);
  return httpCall(t.httpAddress, { method: "POST", path: path(m), headers: { "content-type": contentType }, body: jsonFor(rng, m) }, d);
};

const connectBinary: RequestKind = (rng, t, d) => {
  const m = rng.pick(nodeMethods);
  const headers: Record<string, string> = { "content-type": rng.pick(["application/proto", "application/connect+proto", "application/grpc-web+proto"]) };
  if (rng.next() < 0.2) headers["connect-timeout-ms"] = rng.pick(["0", "-5", "abc", "99999999999"]);
  return httpCall(t.httpAddress, { method: "POST", path: path(m), headers, body: payloadFor(rng, m) }, d);
};

const connectGet: RequestKind = (rng, t, d) => {
  const m = rng.pick(nodeMethods);
  const message = rng.next() < 0.5 ? encode(jsonFor(rng, m)) : urlPart(rng);
  const encoding = rng.pick(["json", "proto", "xml", ""]);
  return httpCall(t.httpAddress, { method: "GET", path: `${path(m)}?encoding=${encoding}&message=${message}${rng.next() < 0.3 ? "&base64=1" : ""}` }, d);
};

const RANGES = ["bytes=0-0", "bytes=-1", "bytes=999999999999-", "bytes=5-2", "bytes=abc", "bytes=0-1,3-4", "items=0-1", "bytes=-0"];

function restCall(rng: Prng): HttpCall {
  switch (rng.int(0, 6)) {
    case 0: {
      const body = rng.next() < 0.7 ? JSON.stringify({ key: randomString(rng), value: randomString(rng) }) : jsonFor(rng, NodeService.method.put);
      return { method: "POST", path: "/store_data", headers: { "content-type": rng.pick(["application/json", "text/plain", "application/x-www-form-urlencoded"]) }, body };
    }
    case 1:
      return { method: rng.pick(["GET", "HEAD"]), path: `/get_data/${urlPart(rng)}` };
    case 2:
      return { method: "PUT", path: `/files/${urlPart(rng)}`, body: randomBytes(rng, 200_000) };
    case 3:
      return {
        method: "POST",
        path: "/files",
        headers: { "content-type": rng.pick(["multipart/form-data; boundary=x", "multipart/form-data", "multipart/form-data; boundary="]) },
        body: rng.next() < 0.5 ? "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n" : randomBytes(rng, 5000),
      };
    case 4: {
      const id = rng.next() < 0.7 ? hex64(rng) : urlPart(rng);
      return { method: "GET", path: `/files/${id}${rng.pick(["", "/manifest", "/chunks", "/x"])}`, headers: rng.next() < 0.5 ? { range: rng.pick(RANGES) } : {} };
    }
    case 5:
      return { method: rng.pick(["DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "PUT"]), path: rng.pick(["/store_data", "/files", "/", "/metrics", "/healthz", "/p2p.v1.NodeService/Get"]) };
    default:
      return { method: "GET", path: `/${urlPart(rng)}` };
  }
}

const rest: RequestKind = (rng, t, d) => httpCall(t.httpAddress, restCall(rng), d);

/** A request whose body stops short of its Content-Length and is then abandoned. */
const halfOpenHttp: RequestKind = (rng, t, d) => {
  const call = rng.pick<HttpCall>([
    { method: "POST", path: "/store_data", headers: { "content-type": "application/json", "content-length": "100000" }, body: '{"key":"a","val' },
    { method: "PUT", path: "/files/half", headers: { "content-length": String(10 * 1024 * 1024) }, body: randomBytes(rng, 65_536) },
    { method: "POST", path: "/p2p.v1.NodeService/Put", headers: { "content-type": "application/json", "content-length": "5000" }, body: '{"key":' },
  ]);
  return httpCall(t.httpAddress, { ...call, stopAfterBytes: typeof call.body === "string" ? call.body.length : call.body!.length, abandonAfterMs: rng.int(200, 3000) }, d);
};

const peerUnary: RequestKind = (rng, t, d) => {
  const m = rng.pick(PeerService.methods.filter((x) => x.methodKind === "unary"));
  return t.grpc.unary(path(m), payloadFor(rng, m), d);
};

const peerStream: RequestKind = (rng, t, d) => {
  const streams = PeerService.methods.filter((x) => x.methodKind !== "unary");
  const m = rng.pick(streams);
  if (m.methodKind === "server_streaming") return t.grpc.serverStream(path(m), payloadFor(rng, m), d);
  const frames = Array.from({ length: rng.int(0, 4) }, () => payloadFor(rng, m));
  return t.grpc.clientStream(path(m), frames, d, rng.next() < 0.5 ? rng.int(200, 3000) : undefined);
};

export const REQUEST_KINDS = {
  rest,
  "connect-json": connectJson,
  "connect-binary": connectBinary,
  "connect-get": connectGet,
  "peer-unary": peerUnary,
  "peer-stream": peerStream,
  "half-open-http": halfOpenHttp,
} satisfies Record<string, RequestKind>;

export type RequestKindName = keyof typeof REQUEST_KINDS;
