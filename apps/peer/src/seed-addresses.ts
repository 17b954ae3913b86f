/**
 * Bootstrap addresses as dialable addresses: a host that is a DNS name is resolved to every
 * address it has, each probed on its own. A Kubernetes headless Service name resolves to all
 * its ready peers (and, with publishNotReadyAddresses, to the starting ones), so one name
 * finds every peer; resolving again at each join attempt sees peers that came up since.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { parseHostPort } from "./config/peer-config.js";

/** host → its addresses (IPv4 or IPv6 literals). */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** At most this many addresses taken from one name: a bound on the probes one name can cause. */
export const MAX_ADDRESSES_PER_NAME = 64;

/**
 * Every `address` ("host:port") with names resolved to "ip:port" (IPv6 bracketed), in order,
 * without duplicates. A name that does not resolve (yet) is reported and skipped: the next
 * attempt resolves it again.
 */
export async function expandSeedAddresses(
  addresses: readonly string[],
  resolve: Resolve,
  onUnresolved: (address: string, err: unknown) => void,
): Promise<string[]> {
  const out = new Set<string>();
  await Promise.all(
    addresses.map(async (address) => {
      const parsed = parseHostPort(address);
      if (!parsed || isIP(parsed.host) !== 0) return [address];
      try {
        return (await resolve(parsed.host)).slice(0, MAX_ADDRESSES_PER_NAME).map((ip) => (isIP(ip) === 6 ? `[${ip}]:${parsed.port}` : `${ip}:${parsed.port}`));
      } catch (err) {
        onUnresolved(address, err);
        return [];
      }
    }),
  ).then((lists) => lists.flat().forEach((a) => out.add(a)));
  return [...out];
}
