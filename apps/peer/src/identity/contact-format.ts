/**
 * Syntax checks for the fields of a contact, shared by the signature verifier, the gRPC
 * server (request fields) and the transport (contacts in replies).
 */
import type { NodeId } from "@p2p/dht";

const NODE_ID = /^[0-9a-f]{64}$/;
/** A DNS name or IPv4 literal: no spaces, colons, slashes or other URL syntax. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.\-_]*[A-Za-z0-9])?$/;
/** An IPv6 literal in brackets, as in "[::1]:4000". */
const HOST_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
/** host:port longer than this is not an address anyone should advertise (DNS names are ≤ 253). */
export const MAX_ADDRESS_LENGTH = 300;

/** True for 64 lowercase hex characters (a peer ID or ring position). */
export function isNodeId(value: string): value is NodeId {
  return NODE_ID.test(value);
}

/**
 * Why `value` is not a usable "host:port" (port 1..65535), or undefined when it is.
 * IPv6 hosts must be bracketed.
 */
export function hostPortProblem(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (value.length > MAX_ADDRESS_LENGTH) return `is longer than ${MAX_ADDRESS_LENGTH} characters`;
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return `"${value}" is not host:port`;
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!HOST_NAME.test(host) && !HOST_IPV6.test(host)) return `"${value}" has an invalid host`;
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return `"${value}" has an invalid port (1..65535)`;
  }
  return undefined;
}

/** True when `value` is a usable "host:port". */
export function isHostPort(value: string): boolean {
  return hostPortProblem(value) === undefined;
}
