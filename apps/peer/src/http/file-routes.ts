/**
 * REST routes for files, for curl and browsers:
 *   PUT  /files[/<name>][?name=&type=]  body = the file          → 201 { id, manifest }
 *   POST /files  multipart/form-data (first file field)          → 201 { id, manifest }
 *   GET  /files                          manifests this peer holds
 *   GET  /files/<id>                     the bytes (Range, HEAD), content type, length, name
 *   GET  /files/<id>/manifest            the manifest
 *   GET  /files/<id>/chunks              where each chunk lives (ring position, replica set)
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Readable } from "node:stream";
import busboy from "busboy";
import mime from "mime-types";
import { Code, ConnectError } from "@connectrpc/connect";
import { validateFileId } from "@p2p/dht";
import type { FileManifest, FileService, UploadedFile } from "@p2p/dht";
import type { RestRoute } from "./rest-routes.js";
import { requestSignal, sendError, sendJson } from "./rest-routes.js";
import { parseRange } from "./http-range.js";
import { beginRequestTrace, TRACEPARENT } from "../tracing/request-trace.js";
import { traceSignal, type SpanContext, type Tracer } from "@p2p/dht";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

export interface FileRouteContext {
  /** The node's file service; throws UNAVAILABLE while the peer is starting. */
  files(): FileService;
  /** The API's tracer (undefined while starting): uploads and downloads get trace IDs and, when asked, a span. */
  tracer?: () => Tracer | undefined;
}

const ID_PATH = /^\/files\/([^/]+)(\/manifest|\/chunks)?$/;

/** The REST route for /files…; answers false for any other path. */
export function fileRoutes(ctx: FileRouteContext): RestRoute {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== "/files" && !path.startsWith("/files/")) return false;
    const method = req.method ?? "GET";
    // The transfer as one span (chunk transfers are not traced one by one yet).
    const header = req.headers[TRACEPARENT];
    const asked = url.searchParams.has("trace") && url.searchParams.get("trace") !== "0";
    const trace = beginRequestTrace(ctx.tracer?.(), typeof header === "string" ? header : undefined, asked, `${method} ${path === "/files" ? "/files" : "/files/<id>"}`, { path });
    for (const [k, v] of Object.entries(trace.headers)) res.setHeader(k, v);
    try {
      const traced = trace.sampled ? trace.parent : undefined;
      if (method === "PUT") await putFile(ctx, req, res, url, traced);
      else if (method === "POST" && path === "/files") await postFile(ctx, req, res);
      else if ((method === "GET" || method === "HEAD") && path === "/files") await listFiles(ctx, res);
      else if (method === "GET" || method === "HEAD") await getFile(ctx, req, res, path, traced);
      else sendJson(res, 405, { error: `use GET, HEAD, PUT or POST on ${path}`, code: "invalid_argument" }, { allow: "GET, HEAD, PUT, POST" });
      trace.end();
    } catch (err) {
      trace.end(err);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
    return true;
  };
}

function decodeSegment(s: string, field: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnectError(`${field}: malformed percent-encoding in the URL`, Code.InvalidArgument);
  }
}

function mediaTypeFor(name: string, given: string | undefined): string {
  const type = given?.trim();
  if (type && type !== "application/x-www-form-urlencoded") return type; // curl -T sends none; some clients send the form default
  return mime.lookup(name) || "application/octet-stream";
}

function sendUploaded(res: Res, uploaded: UploadedFile): void {
  sendJson(res, 201, { id: uploaded.id, manifest: uploaded.manifest }, { location: `/files/${uploaded.id}` });
}

/** A request body as a stream of bytes that aborts the upload if the client goes away. */
function bodyOf(req: Req): AsyncIterable<Uint8Array> {
  return req as unknown as AsyncIterable<Uint8Array>;
}

async function putFile(ctx: FileRouteContext, req: Req, res: Res, url: URL, trace?: SpanContext): Promise<void> {
  const fromPath = url.pathname.startsWith("/files/") ? decodeSegment(url.pathname.slice("/files/".length), "name") : "";
  const name = url.searchParams.get("name") ?? (fromPath || "upload.bin");
  checkDeclaredLength(req, ctx.files().options.maxFileBytes);
  const mediaType = mediaTypeFor(name, url.searchParams.get("type") ?? (req.headers["content-type"] as string | undefined));
  const signal = requestSignal(res);
  if (trace) traceSignal(signal, trace); // each chunk's store becomes a span
  sendUploaded(res, await ctx.files().upload(bodyOf(req), { name, mediaType }, signal));
}

function checkDeclaredLength(req: Req, max: number): void {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > max) {
    req.resume();
    throw new ConnectError(`file: ${declared} bytes exceeds the limit of ${max} bytes`, Code.ResourceExhausted);
  }
}

/** multipart/form-data: the first file field is the upload; other fields are ignored. */
async function postFile(ctx: FileRouteContext, req: Req, res: Res): Promise<void> {
  const type = req.headers["content-type"] ?? "";
  if (!/^multipart\/form-data/i.test(type)) {
    throw new ConnectError("content-type: POST /files takes multipart/form-data (or PUT the raw bytes to /files/<name>)", Code.InvalidArgument);
  }
  checkDeclaredLength(req, ctx.files().options.maxFileBytes + 64 * 1024);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers as busboy.BusboyConfig["headers"], limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 32 } });
  } catch (err) {
    throw new ConnectError(`content-type: ${(err as Error).message}`, Code.InvalidArgument);
  }
  const uploaded = await new Promise<UploadedFile>((resolve, reject) => {
    let started = false;
    parser.on("file", (_field, stream: Readable, info) => {
      started = true;
      const name = info.filename || "upload.bin";
      ctx
        .files()
        .upload(stream, { name, mediaType: mediaTypeFor(name, info.mimeType === "application/octet-stream" ? undefined : info.mimeType) })
        .then(resolve, (err: unknown) => {
          stream.resume();
          reject(err);
        });
    });
    parser.on("error", (err: Error) => reject(new ConnectError(`body: malformed multipart (${err.message})`, Code.InvalidArgument)));
    parser.on("close", () => {
      if (!started) reject(new ConnectError("body: no file field in the form", Code.InvalidArgument));
    });
    (req as IncomingMessage).on("error", (err) => reject(new ConnectError(`upload interrupted: ${err.message}`, Code.Canceled)));
    (req as IncomingMessage).pipe(parser);
  });
  sendUploaded(res, uploaded);
}

async function listFiles(ctx: FileRouteContext, res: Res): Promise<void> {
  const files = await ctx.files().listManifests();
  sendJson(res, 200, { files });
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function getFile(ctx: FileRouteContext, req: Req, res: Res, path: string, trace?: SpanContext): Promise<void> {
  const m = ID_PATH.exec(path);
  if (!m) throw new ConnectError(`no route for GET ${path}`, Code.NotFound);
  const id = decodeSegment(m[1]!, "id");
  validateFileId(id, "id");
  const files = ctx.files();
  const manifest: FileManifest = await files.manifest(id);
  if (m[2] === "/manifest") return sendJson(res, 200, { id, manifest });
  if (m[2] === "/chunks") {
    const chunks = await files.chunkLocations(manifest);
    return sendJson(res, 200, { id, chunks: chunks.map((c) => ({ ...c, holders: c.holders.map((h) => ({ id: h.id, grpcAddress: h.address, httpAddress: h.httpAddress })) })) });
  }

  const headers: Record<string, string> = {
    "content-type": manifest.mediaType,
    "content-disposition": contentDisposition(manifest.name),
    "accept-ranges": "bytes",
    etag: `"${id}"`,
    "cache-control": "public, max-age=31536000, immutable",
  };
  const range = parseRange(req.headers.range as string | undefined, manifest.size);
  if (range.t === "unsatisfiable") {
    return sendJson(res, 416, { error: `range: ${String(req.headers.range)} is outside the file (${manifest.size} bytes)`, code: "out_of_range" }, { "content-range": `bytes */${manifest.size}` });
  }
  const { start, end } = range.t === "range" ? range : { start: 0, end: manifest.size };
  if (range.t === "range") headers["content-range"] = `bytes ${start}-${end - 1}/${manifest.size}`;
  headers["content-length"] = String(end - start);
  (res as ServerResponse).writeHead(range.t === "range" ? 206 : 200, headers);
  if (req.method === "HEAD") return void res.end();

  const aborted = new AbortController();
  if (trace) traceSignal(aborted.signal, trace); // each chunk's fetch becomes a span
  const onClose = () => aborted.abort();
  res.once("close", onClose);
  try {
    for await (const bytes of files.read(manifest, { start, end }, aborted.signal)) {
      if (aborted.signal.aborted) break;
      // Respect the client's pace: the next chunk is not fetched until this one drains.
      if (!(res as ServerResponse).write(bytes)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    if (!aborted.signal.aborted) res.end();
  } finally {
    res.off("close", onClose);
  }
}
