/**
 * Which ports a fleet peer asks for. With bases set (the controller's default: HTTP 8001…,
 * gRPC 9001…), peer-N asks for base+N, so the addresses a user reads in the README are the ones
 * `npm start` gives. A port that is taken (by another program, or by another peer of this fleet
 * that had to move) means the next free one above it; the caller logs the move. A restarted peer
 * asks for the ports it had, so the addresses other peers hold stay valid.
 */
import { isPortFree } from "@p2p/launcher";

/** Ports tried above the wanted one before giving up and letting the OS pick. */
export const PORT_SEARCH_SPAN = 100;

export interface PortBases {
  /** HTTP port of peer-0 (0: the OS picks every port). */
  http: number;
  /** gRPC port of peer-0 (0: the OS picks every port). */
  grpc: number;
}

/** The port a peer named `name` wants: its previous one, else base + its index, else 0 (any). */
export function wantedPort(name: string, previous: number | undefined, base: number): number {
  if (previous) return previous;
  if (!base) return 0;
  const index = /^peer-(\d+)$/.exec(name)?.[1];
  if (index === undefined) return 0;
  const port = base + Number(index);
  return port <= 65535 ? port : 0;
}

/**
 * The first port from `wanted` upward that no other peer of the fleet holds or is claiming and
 * that can be bound on `host` right now; 0 (the OS picks) when `wanted` is 0 or none of the
 * next PORT_SEARCH_SPAN ports is free. Only a hint, as any free-port check: the peer still
 * handles EADDRINUSE.
 */
export async function freePortFrom(
  host: string,
  wanted: number,
  inUse: ReadonlySet<number>,
  isFree: (host: string, port: number) => Promise<boolean> = isPortFree,
): Promise<number> {
  if (!wanted) return 0;
  for (let port = wanted; port < wanted + PORT_SEARCH_SPAN && port <= 65535; port++) {
    if (!inUse.has(port) && (await isFree(host, port))) return port;
  }
  return 0;
}

/** The port of a "host:port" address, or undefined when it has none. */
export function portOf(address: string): number | undefined {
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  return address && Number.isInteger(port) && port > 0 ? port : undefined;
}
