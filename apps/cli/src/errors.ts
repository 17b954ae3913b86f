/**
 * The one place where failures become exit codes and one-line messages. Every command throws;
 * main.ts catches, calls `describeFailure` and exits with its code. Connect codes mirror gRPC,
 * so the REST routes' JSON `code` strings map through the same table.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Exit codes, documented in `p2p --help`. */
export const ExitCode = {
  ok: 0,
  other: 1,
  usage: 2,
  notFound: 3,
  unavailable: 4,
  rejected: 5,
  corrupt: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI itself detected, already phrased for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.usage);
export const corruptError = (message: string) => new CliError(message, ExitCode.corrupt);

/** Exit code of a Connect (gRPC) code. */
export function exitCodeOf(code: Code): ExitCode {
  switch (code) {
    case Code.NotFound:
      return ExitCode.notFound;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return ExitCode.unavailable;
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
    case Code.ResourceExhausted:
    case Code.AlreadyExists:
    case Code.PermissionDenied:
    case Code.Unauthenticated:
    // A signed record's seq conflict: refused by what the network holds.
    case Code.Aborted:
      return ExitCode.rejected;
    case Code.DataLoss:
      return ExitCode.corrupt;
    default:
      return ExitCode.other;
  }
}

/** The Code of a snake_case name as sent by the REST routes ("not_found"), Unknown otherwise. */
export function codeFromName(name: string | undefined): Code {
  if (!name) return Code.Unknown;
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const key = camel.charAt(0).toUpperCase() + camel.slice(1);
  const code = (Code as unknown as Record<string, Code | undefined>)[key];
  return typeof code === "number" ? code : Code.Unknown;
}

/** The Code of an HTTP status when the body named none. */
export function codeFromHttpStatus(status: number): Code {
  if (status === 400) return Code.InvalidArgument;
  if (status === 404) return Code.NotFound;
  if (status === 408 || status === 504) return Code.DeadlineExceeded;
  if (status === 413) return Code.ResourceExhausted;
  if (status === 416) return Code.OutOfRange;
  if (status === 502 || status === 503) return Code.Unavailable;
  return Code.Unknown;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed",
};

/** The system error code (ECONNREFUSED, …) somewhere in an error's cause chain. */
export function networkCause(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code in NETWORK_ERRORS) return NETWORK_ERRORS[code];
    const errors = (e as { errors?: unknown }).errors; // AggregateError from happy-eyeballs connects
    if (Array.isArray(errors)) for (const inner of errors) {
      const found = networkCause(inner);
      if (found) return found;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What failed, for the message: e.g. `get "k"`; the peer URL, for connection failures. */
export interface FailureContext {
  action?: string;
  peer?: string;
}

/** One line (without the "p2p: " prefix) and an exit code for any thrown value. */
export function describeFailure(err: unknown, ctx: FailureContext = {}): { message: string; exitCode: ExitCode } {
  const prefix = ctx.action ? `${ctx.action}: ` : "";
  if (err instanceof CliError) return { message: prefix + err.message, exitCode: err.exitCode };
  const cause = networkCause(err);
  if (cause) {
    return { message: `cannot reach ${ctx.peer ?? "the peer"} (${cause})`, exitCode: ExitCode.unavailable };
  }
  if (err instanceof ConnectError) {
    const text = err.code === Code.DeadlineExceeded ? `deadline exceeded (${err.rawMessage || "no answer in time"})` : err.rawMessage || Code[err.code];
    return { message: prefix + oneLine(text), exitCode: exitCodeOf(err.code) };
  }
  if (err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError")) {
    return { message: prefix + "deadline exceeded", exitCode: ExitCode.unavailable };
  }
  const text = err instanceof Error ? err.message : String(err);
  const fsCode = (err as { code?: unknown } | null)?.code;
  if (fsCode === "ENOENT" || fsCode === "EACCES" || fsCode === "EISDIR") return { message: prefix + oneLine(text), exitCode: ExitCode.usage };
  return { message: prefix + oneLine(text), exitCode: ExitCode.other };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The error a REST answer other than the expected one stands for (an upload not 201, a file
 * read not 200/206): the peer's JSON body's code and message when there is one, else the status.
 */
export function restError(status: number, body: string): ConnectError {
  let parsed: { error?: unknown; message?: unknown; code?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // not JSON: the status alone says what went wrong
  }
  const code = typeof parsed.code === "string" ? codeFromName(parsed.code) : Code.Unknown;
  const message = typeof parsed.error === "string" ? parsed.error : typeof parsed.message === "string" ? parsed.message : `HTTP ${status}`;
  return new ConnectError(message, code !== Code.Unknown ? code : codeFromHttpStatus(status));
}
