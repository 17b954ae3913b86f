/**
 * Routing-table diversity (the idea of go-libp2p-kbucket's peer-diversity filter): one operator
 * on one network can mint as many IDs as it likes, but not as many addresses. Capping the
 * contacts per address group (an IPv4 /24, an IPv6 /48) per bucket and per table keeps a host
 * or a small hosting range from filling a table with IDs chosen to surround a key (an eclipse).
 *
 * Only public addresses are grouped. Loopback, private (RFC 1918, CGNAT, ULA), link-local and
 * unspecified addresses are exempt: a local fleet or a cluster network legitimately has every
 * peer in one range. DNS names are not grouped either (a name says nothing about where it
 * points; resolving it here would let any peer make us query its DNS server), so a peer that
 * advertises a name is exempt too: operators who need the filter advertise addresses.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

export interface DiversityLimits {
  /** Contacts of one address group per bucket. Default 2. */
  maxPerBucket: number;
  /** Contacts of one address group in the whole table. Default 8. */
  maxPerTable: number;
}

export const defaultDiversityLimits: DiversityLimits = { maxPerBucket: 2, maxPerTable: 8 };

const exempt = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16],
] as const) exempt.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) exempt.addSubnet(net, prefix, "ipv6");

/** The host of "host:port" or "[v6]:port" (lowercased), or the input when it has no port. */
function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const i = address.lastIndexOf(":");
  return (i > 0 && address.indexOf(":") === i ? address.slice(0, i) : address).toLowerCase();
}

/** The 8 hextets of an IPv6 address (which isIPv6 has accepted). */
function hextets(ip: string): number[] {
  const [head, tail] = ip.includes("::") ? ip.split("::") as [string, string] : [ip, undefined];
  const parse = (s: string) => (s ? s.split(":") : []);
  let left = parse(head);
  let right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two hextets.
  const v4 = (parts: string[]) => {
    const last = parts.at(-1);
    if (last && isIPv4(last)) {
      const [a, b, c, d] = last.split(".").map(Number) as [number, number, number, number];
      parts.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return parts;
  };
  if (tail === undefined) left = v4(left);
  else right = v4(right);
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((h) => parseInt(h, 16));
}

/**
 * The group of a contact's address for the diversity limits: "203.0.113.0/24",
 * "2001:db8:1::/48", or undefined when the address is exempt (see the module comment).
 */
export function addressGroup(address: string): string | undefined {
  const host = hostOf(address);
  if (isIPv4(host)) {
    if (exempt.check(host, "ipv4")) return undefined;
    return `${host.split(".").slice(0, 3).join(".")}.0/24`;
  }
  if (!isIPv6(host)) return undefined;
  const h = hextets(host);
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address's group.
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return addressGroup(`${h[6]! >> 8}.${h[6]! & 255}.${h[7]! >> 8}.${h[7]! & 255}`);
  }
  if (exempt.check(host, "ipv6")) return undefined;
  return `${h.slice(0, 3).map((x) => x.toString(16)).join(":")}::/48`;
}
