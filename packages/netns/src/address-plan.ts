/**
 * Which private IPv4 /24 the test hosts use: one that overlaps no route the machine already
 * has (its own networks, a VPN, another harness running at the same time), so the hosts can
 * never shadow or reach a real network.
 */

/** A /24 whose first three octets are `prefix` ("10.213.4"). */
export interface Subnet {
  prefix: string;
  /** host index (1…253) → "10.213.4.<index>" */
  address(index: number): string;
  /** The observer's address (the test process's end): .254. */
  observer: string;
  cidr: string;
}

/** /16s tried in order: private ranges (RFC 1918) that home and office networks rarely use. */
const CANDIDATE_PREFIXES = ["10.213", "10.214", "172.30", "10.215"];

function toInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** [first, last] of an "a.b.c.d/n" route destination ("default" is everything). */
export function cidrRange(cidr: string): [number, number] {
  if (cidr === "default") return [0, 2 ** 32 - 1];
  const [ip, bitsText] = cidr.split("/");
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`not a CIDR: ${cidr}`);
  const size = 2 ** (32 - bits);
  const first = Math.floor(toInt(ip!) / size) * size;
  return [first, first + size - 1];
}

export function subnet(prefix: string): Subnet {
  return {
    prefix,
    address: (index) => {
      if (!Number.isInteger(index) || index < 1 || index > 253) throw new RangeError(`host index must be 1…253, got ${index}`);
      return `${prefix}.${index}`;
    },
    observer: `${prefix}.254`,
    cidr: `${prefix}.0/24`,
  };
}

/**
 * The first candidate /24 that overlaps none of `routes` (destinations as `ip route` prints
 * them), ignoring the default route, which covers everything and is not a network of its own.
 */
export function pickSubnet(routes: readonly string[]): Subnet {
  const used = routes.filter((r) => r !== "default" && r !== "0.0.0.0/0").map(cidrRange);
  for (const p16 of CANDIDATE_PREFIXES) {
    for (let third = 0; third < 256; third++) {
      const [first, last] = cidrRange(`${p16}.${third}.0/24`);
      if (used.every(([a, b]) => b < first || a > last)) return subnet(`${p16}.${third}`);
    }
  }
  throw new Error(`no free /24 in ${CANDIDATE_PREFIXES.map((p) => `${p}.0.0/16`).join(", ")}: every one overlaps a route of this machine`);
}
