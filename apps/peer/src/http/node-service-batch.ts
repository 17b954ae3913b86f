/**
 * Batch operations on the public API: NodeService's PutMany, GetMany, DeleteMany and the
 * PutStream bulk load, and the REST forms (`POST /store_data` with a JSON array, `POST
 * /get_data` with an array of keys). One result per key in request order, each with its own
 * error code, so a client retries only what failed.
 */
import { create, toJson } from "@bufbuild/protobuf";
import { VersionSchema } from "@p2p/proto/types";
import { Code, ConnectError } from "@connectrpc/connect";
import { KeyErrorSchema, type KeyValue, type ReadOutcome, type WriteOutcome } from "@p2p/proto/node";
import type { BatchEntry, BatchReadOutcome, BatchWriteOutcome } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import type { NodeServiceHandlers } from "./node-service.js";
import { versionMsg } from "./proto-mapping.js";
import { errorMessage } from "../edge-errors.js";

// ignoreBOM: a value that begins with U+FEFF is returned with it, as it was stored.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const toUtf8 = new TextEncoder();
/** Failures a PutStream answers in full, at most; the rest are counted. */
const MAX_STREAM_FAILURES = 100;

export function entriesOf(entries: readonly { key: string; value: string }[]): BatchEntry[] {
  return entries.map((e) => ({ key: e.key, value: toUtf8.encode(e.value) }));
}

function keyError(err: { code: string; message: string }) {
  return create(KeyErrorSchema, { code: err.code, message: err.code === "internal" || err.code === "unknown" ? "internal error" : err.message });
}

type Init<T> = Omit<T, "$typeName">;

export function writeOutcome(o: BatchWriteOutcome): Init<WriteOutcome> {
  if (o.error) return { key: o.key, acknowledgedBy: [], error: keyError(o.error) };
  return { key: o.key, version: versionMsg(o.result.version), acknowledgedBy: o.result.acknowledgedBy };
}

export function readOutcome(o: BatchReadOutcome): Init<ReadOutcome> {
  if (o.error) return { key: o.key, found: false, value: "", error: keyError(o.error) };
  return { key: o.key, found: true, value: utf8.decode(o.record.value), version: versionMsg(o.record.version) };
}

export function batchHandlers(ctx: ApiContext): NodeServiceHandlers {
  return {
    async putMany(req, hc) {
      const outcomes = await ctx.node.putMany(entriesOf(req.entries), { signal: hc.signal });
      const failed = outcomes.filter((o) => o.error).length;
      return { results: outcomes.map(writeOutcome), stored: outcomes.length - failed, failed };
    },

    async getMany(req, hc) {
      const outcomes = await ctx.node.getMany(req.keys, { signal: hc.signal });
      const found = outcomes.filter((o) => o.record).length;
      const missing = outcomes.filter((o) => o.error?.code === "not_found").length;
      return { results: outcomes.map(readOutcome), found, missing, failed: outcomes.length - found - missing };
    },

    async deleteMany(req, hc) {
      const outcomes = await ctx.node.deleteMany(req.keys, { signal: hc.signal });
      const failed = outcomes.filter((o) => o.error).length;
      return { results: outcomes.map(writeOutcome), deleted: outcomes.length - failed, failed };
    },

    // One batch at a time: the next message is read only once this one is stored, so a slow
    // network pushes back on the sender (HTTP/2 flow control) instead of filling our memory.
    async putStream(requests, hc) {
      let stored = 0n;
      let failed = 0n;
      const failures: Init<WriteOutcome>[] = [];
      for await (const batch of requests) {
        const outcomes = await ctx.node.putMany(entriesOf(batch.entries), { signal: hc.signal });
        for (const o of outcomes) {
          if (!o.error) {
            stored++;
            continue;
          }
          failed++;
          if (failures.length < MAX_STREAM_FAILURES) failures.push(writeOutcome(o));
        }
      }
      return { stored, failed, failures };
    },
  };
}

/** `[{"key": …, "value": …}, …]` of a REST batch, each item checked and named by its index. */
export function parseEntries(body: unknown[]): KeyValue[] {
  return body.map((item, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new ConnectError(`body[${i}]: expected an object with key and value`, Code.InvalidArgument);
    const { key, value } = item as Record<string, unknown>;
    if (typeof key !== "string") throw new ConnectError(`body[${i}].key: expected a string, got ${key === undefined ? "nothing" : typeof key}`, Code.InvalidArgument);
    if (typeof value !== "string") throw new ConnectError(`body[${i}].value: expected a string, got ${value === undefined ? "nothing" : typeof value}`, Code.InvalidArgument);
    return { key, value } as KeyValue;
  });
}

/** `["k1", "k2", …]` of a REST batch read. */
export function parseKeys(body: unknown): string[] {
  if (!Array.isArray(body)) throw new ConnectError("body: expected a JSON array of keys", Code.InvalidArgument);
  return body.map((k, i) => {
    if (typeof k !== "string") throw new ConnectError(`body[${i}]: expected a string key, got ${typeof k}`, Code.InvalidArgument);
    return k;
  });
}

/** A write's result as REST JSON: the single-key route's fields, or `error` and `code`. */
export function restWriteOutcome(o: BatchWriteOutcome): Record<string, unknown> {
  if (o.error) return { key: o.key, error: errorMessage(o.error), code: o.error.code };
  return { key: o.key, message: "stored", version: toJson(VersionSchema, versionMsg(o.result.version)), acknowledgedBy: o.result.acknowledgedBy };
}

/** A read's result as REST JSON: the single-key route's fields, or `error` and `code` ("not_found" for a missing key). */
export function restReadOutcome(o: BatchReadOutcome): Record<string, unknown> {
  if (o.error) return { key: o.key, error: errorMessage(o.error), code: o.error.code };
  return { key: o.key, value: utf8.decode(o.record.value), version: toJson(VersionSchema, versionMsg(o.record.version)) };
}
