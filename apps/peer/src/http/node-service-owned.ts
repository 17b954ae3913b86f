/**
 * Owned records on the public API: NodeService's PutOwned and GetOwned, and the REST routes
 * `POST /owned` and `GET /owned/<public key>?salt=` for curl. The client signs (the CLI, or
 * signOwned() from @p2p/dht); this peer checks the signature before any network call, and so
 * does every replica. A seq conflict answers ABORTED (REST: 409) with the current seq as a
 * structured field (edge-errors.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { OwnedReadResult, WriteResult } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import type { NodeServiceHandlers } from "./node-service.js";
import { envelopeOf, jsonField, publicKeyField, saltField, seqField } from "./owned-input.js";
import { peerRef, replicaState } from "./proto-mapping.js";
import { readBody, requestSignal, sendJson, type RestRoute } from "./rest-routes.js";

// ignoreBOM: a value that begins with U+FEFF is returned with it, as it was signed.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export function ownedHandlers(ctx: ApiContext): NodeServiceHandlers {
  return {
    async putOwned(req, hc) {
      const e = envelopeOf(req);
      const cas = req.cas === undefined ? undefined : seqField("cas", req.cas);
      const w = await ctx.node.putOwned(e, { signal: hc.signal, ...(cas === undefined ? {} : { cas }) });
      return ownedWriteFields(w, e.seq, req.publicKey.toLowerCase());
    },
    async getOwned(req, hc) {
      if (req.key !== "" && (req.publicKey !== "" || req.salt !== "")) throw new ConnectError("key: give either key or public_key and salt, not both", Code.InvalidArgument);
      const opts = { signal: hc.signal };
      const r = req.key !== "" ? await ctx.node.owned.getByKey(req.key, opts) : await ctx.node.getOwned(publicKeyField(req.publicKey), saltField(req.salt), opts);
      return { ...ownedReadFields(r), seq: BigInt(r.envelope.seq), replicas: r.replicas.map(replicaState) };
    },
  };
}

/** PutOwned's answer (also PutOwnedWithPeerKey's). */
export function ownedWriteFields(w: WriteResult, seq: number, publicKey: string) {
  return { key: w.key, position: w.position, seq: BigInt(seq), replicas: w.replicas.map(peerRef), acknowledgedBy: w.acknowledgedBy, publicKey };
}

function ownedReadFields(r: OwnedReadResult) {
  const e = r.envelope;
  return { key: r.key, position: r.position, publicKey: hex(e.publicKey), salt: utf8.decode(e.salt), signature: hex(e.signature), value: utf8.decode(e.value) };
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new ConnectError(`body: malformed JSON (${(err as Error).message})`, Code.InvalidArgument);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ConnectError("body: expected a JSON object", Code.InvalidArgument);
  return body as Record<string, unknown>;
}

/**
 * `POST /owned` with `{"public_key", "salt"?, "seq", "signature", "value", "cas"?}` (hex key and
 * signature, numbers for seq and cas), and `GET /owned/<public key hex>[?salt=…]`.
 */
export function ownedRoutes(ctx: ApiContext): RestRoute {
  return async (req: Req, res: Res, url: URL) => {
    if (url.pathname === "/owned") {
      if (req.method !== "POST") return (sendJson(res, 405, { error: "use POST /owned", code: "invalid_argument" }, { allow: "POST" }), true);
      // JSON escapes can make a value up to 6x longer than its UTF-8 bytes.
      const body = parseJsonObject(await readBody(req, ctx.node.coordinator.options.maxValueBytes * 6 + 64 * 1024));
      const known = new Set(["public_key", "salt", "seq", "signature", "value", "cas"]);
      const stray = Object.keys(body).find((k) => !known.has(k));
      if (stray) throw new ConnectError(`${stray}: unknown field (expected public_key, salt, seq, signature, value, cas)`, Code.InvalidArgument);
      const e = envelopeOf({
        publicKey: jsonField(body, "public_key", "string", true)!,
        salt: jsonField(body, "salt", "string", false) ?? "",
        seq: jsonField(body, "seq", "number", true)!,
        signature: jsonField(body, "signature", "string", true)!,
        value: jsonField(body, "value", "string", true)!,
      });
      const casField = jsonField(body, "cas", "number", false);
      const cas = casField === undefined ? undefined : seqField("cas", casField);
      const w = await ctx.node.putOwned(e, { signal: requestSignal(res), ...(cas === undefined ? {} : { cas }) });
      sendJson(res, 200, { message: "stored", key: w.key, position: w.position, public_key: hex(e.publicKey), seq: e.seq, replicas: w.replicas.map((c) => c.id), acknowledgedBy: w.acknowledgedBy });
      return true;
    }
    if (url.pathname.startsWith("/owned/")) {
      if (req.method !== "GET" && req.method !== "HEAD") return (sendJson(res, 405, { error: "use GET /owned/<public key>", code: "invalid_argument" }, { allow: "GET" }), true);
      const publicKey = publicKeyField(url.pathname.slice("/owned/".length), "public key in the URL");
      const r = await ctx.node.getOwned(publicKey, saltField(url.searchParams.get("salt") ?? ""), { signal: requestSignal(res) });
      const f = ownedReadFields(r);
      sendJson(res, 200, { key: f.key, position: f.position, public_key: f.publicKey, salt: f.salt, seq: r.envelope.seq, signature: f.signature, value: f.value, verified: true });
      return true;
    }
    return false;
  };
}
