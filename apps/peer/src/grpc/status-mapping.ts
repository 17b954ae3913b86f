/**
 * One error type at the boundary: grpc-js failures become ConnectErrors on the client, and
 * ConnectErrors thrown by handlers become gRPC statuses on the server. Connect's codes use
 * gRPC's numbering, so codes map one to one.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServiceError, StatusObject } from "@grpc/grpc-js";
import type { Logger } from "@p2p/dht";

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** Normalises any client-side failure of a call to `address` into a ConnectError keeping the cause. */
export function connectErrorFromGrpc(err: unknown, what: string): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isServiceError(err)) {
    const code = err.code >= Code.Canceled && err.code <= Code.Unauthenticated ? (err.code as number as Code) : Code.Unknown;
    return new ConnectError(`${what}: ${err.details}`, code, undefined, undefined, err);
  }
  return new ConnectError(`${what}: ${err instanceof Error ? err.message : String(err)}`, Code.Internal, undefined, undefined, err);
}

/**
 * The status a server reports for a handler failure: a ConnectError keeps its code and
 * message (the client learns what was wrong); anything else is logged and reported as
 * INTERNAL without details, so stack traces and internals never leave the process.
 */
export function grpcStatusFromError(err: unknown, log: Logger, method: string): Partial<StatusObject> {
  if (err instanceof ConnectError) {
    return { code: err.code as number as status, details: err.rawMessage, metadata: new Metadata() };
  }
  log.error({ err, method }, "peer rpc handler failed");
  return { code: status.INTERNAL, details: "internal error", metadata: new Metadata() };
}
