/**
 * The Connect client of a peer's NodeService, and the per-call options (deadline, abort on
 * Ctrl-C) every command uses.
 */
import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";
import type { GlobalOptions } from "./options.js";

export type NodeClient = Client<typeof NodeService>;

/** A NodeService client for a peer's base URL (http://host:port), Connect over HTTP/1.1. */
export function nodeClient(baseUrl: string): NodeClient {
  return createClient(NodeService, createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }));
}

/** Call options of a unary call: the --timeout deadline, and the command's abort signal. */
export function unaryCall(opts: GlobalOptions, signal?: AbortSignal): CallOptions {
  return { timeoutMs: opts.timeoutMs, signal };
}
