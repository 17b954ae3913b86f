/**
 * The one place where the DHT core's errors meet the wire: DhtError codes become Connect
 * errors (public API), gRPC statuses (peer-to-peer server) and HTTP statuses (REST routes),
 * and gRPC failures seen by our client become DhtErrors for the core. DhtError's codes are
 * gRPC's, in gRPC's order, so every mapping is one to one.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServiceError, StatusObject } from "@grpc/grpc-js";
import { codeOfGrpc, DhtError, grpcCodeOf, OwnedConflictError, type DhtErrorCode, type Logger } from "@p2p/dht";
import { OwnedConflictSchema } from "@p2p/proto/node";

/** Connect's Code of a DhtError code (same numbering as gRPC). */
export function connectCodeOf(code: DhtErrorCode): Code {
  return grpcCodeOf(code) as Code;
}

/** The DhtError code of a Connect Code. */
export function dhtCodeOf(code: Code): DhtErrorCode {
  return codeOfGrpc(code);
}

/**
 * Anything thrown behind the public API as a ConnectError: a DhtError keeps its code and
 * message (and is the cause); a ConnectError stays as it is; anything else is what Connect
 * makes of it (unknown, keeping the cause).
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof OwnedConflictError) return new ConnectError(err.message, connectCodeOf(err.code), undefined, [ownedConflictDetail(err)], err);
  if (err instanceof DhtError) return new ConnectError(err.message, connectCodeOf(err.code), undefined, undefined, err);
  return ConnectError.from(err);
}

/** An owned record's seq conflict as a structured error detail (p2p.v1.OwnedConflict), so clients need not parse the message. */
function ownedConflictDetail(err: OwnedConflictError) {
  return { desc: OwnedConflictSchema, value: err.currentSeq === undefined ? {} : { currentSeq: BigInt(err.currentSeq) } };
}

/** The current seq of an owned record's conflict behind `err` (REST answers it as `current_seq`); null when none is held. */
export function ownedConflictSeq(err: unknown): { current_seq: number | null } | undefined {
  const e = err instanceof ConnectError ? err.cause : err;
  return e instanceof OwnedConflictError ? { current_seq: e.currentSeq ?? null } : undefined;
}

/** The message of an error as a client sees it (no "[code]" prefix). */
export function errorMessage(err: unknown): string {
  return toConnectError(err).rawMessage;
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** Normalises a client-side failure of a gRPC call (`what`: method and address) into a DhtError keeping the cause. */
export function dhtErrorFromGrpc(err: unknown, what: string): DhtError {
  if (err instanceof DhtError) return err;
  if (isServiceError(err)) return new DhtError(`${what}: ${err.details}`, codeOfGrpc(err.code), { cause: err });
  if (err instanceof ConnectError) return new DhtError(`${what}: ${err.rawMessage}`, dhtCodeOf(err.code), { cause: err });
  return new DhtError(`${what}: ${err instanceof Error ? err.message : String(err)}`, "internal", { cause: err });
}

/**
 * The status a gRPC server reports for a handler failure: a DhtError or ConnectError keeps its
 * code and message (the caller learns what was wrong); anything else is logged and reported as
 * INTERNAL without details, so stack traces and internals never leave the process.
 */
export function grpcStatusFromError(err: unknown, log: Logger, method: string): Partial<StatusObject> {
  if (err instanceof DhtError) return { code: grpcCodeOf(err.code) as status, details: err.message, metadata: new Metadata() };
  if (err instanceof ConnectError) return { code: err.code as number as status, details: err.rawMessage, metadata: new Metadata() };
  log.error({ err, method }, "peer rpc handler failed");
  return { code: status.INTERNAL, details: "internal error", metadata: new Metadata() };
}

const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  // A write refused by what is held (an owned record's seq, a compare-and-swap): 409 Conflict.
  [Code.Aborted]: 409,
  [Code.FailedPrecondition]: 412,
  // Size limits (a value or file too large); a disk quota's refusal is 507 (see httpStatusOf).
  [Code.ResourceExhausted]: 413,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.Unimplemented]: 404,
  [Code.DeadlineExceeded]: 504,
  [Code.Unavailable]: 503,
  [Code.Canceled]: 499,
};

/** True when `err` (or the error it wraps) is a disk quota's refusal. */
function diskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof DhtError) return e.reason === "disk_full";
  }
  return false;
}

/** The REST routes' HTTP status for an error (500 for codes with no closer meaning). */
export function httpStatusOf(err: unknown): { status: number; error: ConnectError; code: string } {
  const e = toConnectError(err);
  const code = Code[e.code].replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
  // A full disk is not a request too large: 507 Insufficient Storage (RFC 4918), so a client
  // does not shrink its request but waits or goes elsewhere; size limits stay 413.
  if (diskFull(err)) return { status: 507, error: e, code };
  return { status: HTTP_STATUS[e.code] ?? 500, error: e, code };
}

/**
 * A Connect interceptor for the public API: whatever a handler throws (the core's DhtErrors
 * included, also while a server stream is running) reaches the client as the matching
 * ConnectError.
 */
export const connectErrorInterceptor: Interceptor = (next) => async (req) => {
  let res;
  try {
    res = await next(req);
  } catch (err) {
    throw toConnectError(err);
  }
  if (!res.stream) return res;
  const source = res.message;
  return {
    ...res,
    message: (async function* () {
      try {
        yield* source;
      } catch (err) {
        throw toConnectError(err);
      }
    })(),
  };
};
