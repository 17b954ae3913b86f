/**
 * Which bucket a remote address draws from. IPv4 addresses (and IPv4-mapped IPv6 ones, which
 * a dual-stack listener reports for IPv4 clients) are their own key. An IPv6 address counts as
 * its /64: a single host or home line is routinely given a whole /64 and can pick any of its
 * 2^64 addresses per connection, so per-address buckets would give it unlimited ones (the same
 * grouping the routing table's address diversity and most rate limiters in front of web servers
 * use). ::1 stays itself so loopback shows as loopback in messages.
 */
import { isIP } from "node:net";

export function clientKeyOf(address: string): string {
  const bare = address.replace(/%.*$/, ""); // an IPv6 zone (fe80::1%eth0)
  const v4 = bare.toLowerCase().startsWith("::ffff:") ? bare.slice(7) : bare;
  if (isIP(v4) === 4) return v4;
  if (isIP(bare) !== 6 || bare === "::1") return bare || "unknown";
  const groups = expandIPv6(bare);
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 literal (a dotted IPv4 tail included). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
