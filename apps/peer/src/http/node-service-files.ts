/**
 * NodeService's file methods (streaming Connect/gRPC for programmatic clients); the REST
 * routes in files/file-routes.ts serve the same operations to curl and browsers.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { FileManifestSchema } from "@p2p/proto/node";
import type { FileManifest as FileManifestMsg, UploadFileRequest } from "@p2p/proto/node";
import { validateFileId } from "@p2p/dht";
import type { FileManifest } from "@p2p/dht";
import type { FileRouteContext } from "./file-routes.js";
import type { NodeServiceHandlers } from "./node-service.js";
import { peerRef } from "./proto-mapping.js";

/** Bytes per DownloadFile message: small enough for any client's default message limit. */
const DOWNLOAD_MESSAGE_BYTES = 256 * 1024;

function manifestMsg(m: FileManifest): FileManifestMsg {
  return create(FileManifestSchema, { name: m.name, size: BigInt(m.size), mediaType: m.mediaType, chunkSize: m.chunkSize, chunks: m.chunks });
}

function u64(v: bigint, field: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConnectError(`${field}: too large`, Code.InvalidArgument);
  return Number(v);
}

/** The first message names the file; its data and every later message's data are the bytes. */
async function uploadSource(requests: AsyncIterable<UploadFileRequest>): Promise<{ name: string; mediaType: string; data: AsyncIterable<Uint8Array> }> {
  const it = requests[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) throw new ConnectError("stream: empty, expected a first message with name", Code.InvalidArgument);
  const head = first.value;
  async function* data(): AsyncGenerator<Uint8Array> {
    if (head.data.byteLength > 0) yield head.data;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      if (r.value.name !== "" || r.value.mediaType !== "") throw new ConnectError("name: only the first message may set name and media_type", Code.InvalidArgument);
      yield r.value.data;
    }
  }
  return { name: head.name, mediaType: head.mediaType, data: data() };
}

export function fileServiceHandlers(ctx: FileRouteContext): NodeServiceHandlers {
  return {
    async uploadFile(requests, hc) {
      const { name, mediaType, data } = await uploadSource(requests);
      const r = await ctx.files().upload(data, { name, mediaType }, hc.signal);
      return { id: r.id, manifest: manifestMsg(r.manifest) };
    },

    async *downloadFile(req, hc) {
      validateFileId(req.id, "id");
      const files = ctx.files();
      const manifest = await files.manifest(req.id);
      const offset = u64(req.offset, "offset");
      if (offset > manifest.size) throw new ConnectError(`offset: ${offset} is past the end of the file (${manifest.size} bytes)`, Code.OutOfRange);
      const length = req.length === 0n ? manifest.size - offset : u64(req.length, "length");
      const end = Math.min(manifest.size, offset + length);
      yield { manifest: manifestMsg(manifest) };
      for await (const bytes of files.read(manifest, { start: offset, end }, hc.signal)) {
        for (let o = 0; o < bytes.byteLength; o += DOWNLOAD_MESSAGE_BYTES) yield { data: bytes.subarray(o, o + DOWNLOAD_MESSAGE_BYTES) };
      }
    },

    async getFileManifest(req) {
      validateFileId(req.id, "id");
      return { id: req.id, manifest: manifestMsg(await ctx.files().manifest(req.id)) };
    },

    async listFiles() {
      const files = await ctx.files().listManifests();
      return { files: files.map((f) => ({ id: f.id, manifest: manifestMsg(f.manifest) })) };
    },

    async fileChunkLocations(req) {
      validateFileId(req.id, "id");
      const files = ctx.files();
      const chunks = await files.chunkLocations(await files.manifest(req.id));
      return { id: req.id, chunks: chunks.map((c) => ({ index: c.index, hash: c.hash, position: c.position, holders: c.holders.map(peerRef) })) };
    },
  };
}
