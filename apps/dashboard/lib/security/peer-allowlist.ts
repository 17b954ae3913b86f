/**
 * Which peer addresses the dashboard's server may contact in crawl mode. Routing tables are
 * written by peers, so a crawled contact's httpAddress is attacker-controlled: without a
 * bound, one hostile peer turns the dashboard into a proxy onto the operator's network
 * (169.254.169.254, admin ports on localhost, …). Patterns (DASHBOARD_PEER_ALLOW):
 * - CIDR "10.0.0.0/8", "fd00::/64", or a single IP "10.1.2.3" / "::1";
 * - host names "peer-1.lan" or "*.lan" ("*" is one or more whole labels);
 * - any of these with ":port" ("127.0.0.1:8001", "[::1]:8001", "*.lan:8001") to allow one port only.
 */
import { isIP } from "node:net";

export interface AddressPattern { kind: "cidr"; family: 4 | 6; bits: bigint; prefix: number; port?: number }
export interface HostPattern { kind: "host"; re: RegExp; port?: number }
export type PeerPattern = AddressPattern | HostPattern;

/** "host:port" → host (brackets removed, lowercased) and port; undefined when malformed. */
export function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: (m[1] ?? m[2]!).toLowerCase(), port } : undefined;
}

/** An IP literal as a bigint (IPv4-mapped IPv6 addresses count as IPv4), or undefined. */
export function ipBits(host: string): { family: 4 | 6; bits: bigint } | undefined {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return ipBits(mapped[1]!);
  if (isIP(h) === 4) return { family: 4, bits: h.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (isIP(h) !== 6) return undefined;
  // Expand "::" and a trailing dotted quad into eight 16-bit groups.
  let groups = h;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (quad) {
    const v = ipBits(quad[1]!)!.bits;
    groups = groups.slice(0, -quad[1]!.length) + `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.split("::") as [string, string | undefined];
  const a = head ? head.split(":") : [];
  const b = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const all = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill("0"), ...b];
  return { family: 6, bits: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

const width = (family: 4 | 6) => (family === 4 ? 32 : 128);
const masked = (bits: bigint, family: 4 | 6, prefix: number) => bits >> BigInt(width(family) - prefix);

/** Parses one pattern; throws an Error naming it when malformed. */
export function parsePeerPattern(raw: string): PeerPattern {
  const s = raw.trim().toLowerCase();
  const withPort = splitHostPort(s);
  const host = withPort?.host ?? s;
  const port = withPort?.port;
  const cidr = /^\[?([0-9a-f:.]+)\]?(?:\/(\d{1,3}))?$/.exec(host);
  const ip = cidr ? ipBits(cidr[1]!) : undefined;
  if (ip) {
    const prefix = cidr![2] === undefined ? width(ip.family) : Number(cidr![2]);
    if (prefix > width(ip.family)) throw new Error(`${JSON.stringify(raw)}: prefix /${prefix} is too long`);
    return { kind: "cidr", family: ip.family, bits: masked(ip.bits, ip.family, prefix), prefix, port };
  }
  if (!/^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$/.test(host)) throw new Error(`${JSON.stringify(raw)}: not a CIDR, IP or host name pattern`);
  const body = host.replace(/^\*\./, "").replace(/[.-]/g, (c) => `\\${c}`);
  return { kind: "host", re: new RegExp(host.startsWith("*.") ? `^(?:[a-z0-9-]+\\.)+${body}$` : `^${body}$`), port };
}

/** Whether "host:port" matches one pattern. */
export function matchesPattern(p: PeerPattern, hostPort: string): boolean {
  const hp = splitHostPort(hostPort);
  if (!hp || (p.port !== undefined && p.port !== hp.port)) return false;
  if (p.kind === "host") return p.re.test(hp.host);
  const ip = ipBits(hp.host);
  return Boolean(ip && ip.family === p.family && masked(ip.bits, ip.family, p.prefix) === p.bits);
}

export const isLoopbackHost = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const ip = ipBits(h);
  return Boolean(ip && (ip.family === 4 ? ip.bits >> 24n === 127n : ip.bits === 1n));
};

/**
 * The default patterns for a set of seeds: each seed's /24 (IPv4) or /64 (IPv6), or its exact
 * name; all of loopback only when a seed is on loopback (a local fleet uses many ports there).
 */
export function defaultPeerPatterns(seeds: readonly string[]): PeerPattern[] {
  const out: PeerPattern[] = [];
  for (const s of seeds) {
    const hp = splitHostPort(s);
    if (!hp) continue;
    if (isLoopbackHost(hp.host)) out.push(parsePeerPattern("127.0.0.0/8"), parsePeerPattern("::1"), parsePeerPattern("localhost"));
    const ip = ipBits(hp.host);
    if (ip) out.push({ kind: "cidr", family: ip.family, prefix: ip.family === 4 ? 24 : 64, bits: masked(ip.bits, ip.family, ip.family === 4 ? 24 : 64) });
    else out.push(parsePeerPattern(hp.host));
  }
  return out;
}

/**
 * The crawl allowlist: the seeds themselves, plus `allow` (DASHBOARD_PEER_ALLOW, comma-separated)
 * when given, else the seeds' default neighbourhoods (defaultPeerPatterns).
 */
export function peerAllowlist(seeds: readonly string[], allow?: string): (hostPort: string) => boolean {
  const explicit = (allow ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const patterns = explicit.length > 0 ? explicit.map(parsePeerPattern) : defaultPeerPatterns(seeds);
  const exact = new Set(seeds.map((s) => s.trim().toLowerCase()));
  return (hostPort) => exact.has(hostPort.toLowerCase()) || patterns.some((p) => matchesPattern(p, hostPort));
}
