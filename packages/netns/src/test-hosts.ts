/**
 * N test hosts on this machine. Each host is a network namespace with its own IPv4 address on
 * eth0; every eth0 is one end of a veth pair whose other end is a port of one bridge, which
 * lives in a namespace of its own (the switch), so nothing of the hosts' network touches the
 * machine's. The test process reaches every host through one more port of that bridge (the
 * observer, .254), which partitions leave alone: a test can still drive and watch both sides.
 *
 *   test process ── p2pn<tag> ═══ obs ─┐
 *                                      br0 (switch namespace) ── h1 ═══ eth0 (host 1, .1)
 *                                       └── h2 ═══ eth0 (host 2, .2) …
 *
 * Faults, at the network layer: cutOff(host) takes its bridge port down (the host drops off
 * the network: nothing reaches it, not even the observer), partition(sides) drops frames
 * between sides in the bridge (nftables), changeAddress(host) renumbers its eth0.
 * destroy() kills every process still inside the namespaces and removes everything; it also
 * runs when the process exits, and a later run removes what a killed run left behind.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cidrRange, pickSubnet, subnet, type Subnet } from "./address-plan.js";
import { run, runQuietly, runSyncQuietly } from "./command.js";
import { hostNames, isLeftOver, NAMESPACE_PREFIX } from "./namespace-names.js";
import { partitionRuleset } from "./partition-rules.js";

/** One test host. */
export interface TestHost {
  /** "h1", "h2", … (1-based). */
  name: string;
  index: number;
  namespace: string;
  /** Its current IPv4 address (changeAddress moves it). */
  address: string;
  /** Its port on the bridge, in the switch namespace. */
  switchPort: string;
  /** Command prefix that runs a program on this host: `["ip", "netns", "exec", namespace]`. */
  prefix: readonly string[];
}

export interface TestHostsOptions {
  /** Hosts to build, 1…200. */
  count: number;
  /**
   * The hosts' /24 as its first three octets, e.g. "203.0.113" (a documentation range, which
   * the routing table's diversity limits treat as public, unlike the private default). It must
   * overlap no route of this machine. Default: the first free private /24.
   */
  prefix?: string;
}

/** Where `ip netns exec` looks for per-namespace /etc files (it bind-mounts them over /etc). */
const NETNS_ETC = "/etc/netns";

let sequence = 0;
const live = new Set<TestHosts>();
let exitHookInstalled = false;

/** Builds the hosts. Throws (after removing what it made) when a step fails. */
export async function createTestHosts(options: TestHostsOptions): Promise<TestHosts> {
  const { count } = options;
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new RangeError(`count must be 1…200 hosts, got ${count}`);
  await removeLeftOvers();
  const routes = (JSON.parse(await run("ip", ["-4", "-j", "route", "show", "table", "all"])) as { dst: string }[]).map((r) => r.dst);
  const chosen = options.prefix === undefined ? pickSubnet(routes) : subnet(options.prefix);
  if (options.prefix !== undefined) {
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(options.prefix) || options.prefix.split(".").some((o) => Number(o) > 255)) {
      throw new RangeError(`prefix: expected three octets such as "203.0.113", got ${JSON.stringify(options.prefix)}`);
    }
    if (overlapsRoute(chosen, routes)) throw new Error(`prefix ${options.prefix}: ${chosen.cidr} overlaps a route of this machine`);
  }
  const hosts = new TestHosts(chosen, count, sequence++);
  live.add(hosts);
  installExitHook();
  try {
    await hosts.build();
    return hosts;
  } catch (err) {
    await hosts.destroy();
    throw err;
  }
}

export class TestHosts {
  readonly hosts: TestHost[];
  /** The test process's address on the hosts' network. */
  readonly observer: string;
  readonly subnet: Subnet;
  readonly #names: ReturnType<typeof hostNames>;
  #destroyed = false;

  constructor(subnet: Subnet, count: number, seq: number) {
    this.subnet = subnet;
    this.observer = subnet.observer;
    this.#names = hostNames(process.pid, seq);
    this.hosts = Array.from({ length: count }, (_, i) => {
      const index = i + 1;
      const namespace = this.#names.hostNamespace(index);
      return { name: `h${index}`, index, namespace, address: subnet.address(index), switchPort: `h${index}`, prefix: ["ip", "netns", "exec", namespace] };
    });
  }

  get switchNamespace(): string {
    return this.#names.switchNamespace;
  }

  /** Creates the namespaces, the bridge, the links and the addresses. */
  async build(): Promise<void> {
    const sw = this.switchNamespace;
    const ipSw = (...args: string[]) => run("ip", ["-n", sw, ...args]);
    await run("ip", ["netns", "add", sw]);
    // STP off and no forwarding delay: a port forwards as soon as it is up.
    await ipSw("link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0");
    await ipSw("link", "set", "br0", "up");
    const obs = this.#names.observerInterface;
    await run("ip", ["link", "add", obs, "type", "veth", "peer", "name", "obs", "netns", sw]);
    await ipSw("link", "set", "obs", "master", "br0", "up");
    await run("ip", ["addr", "add", `${this.observer}/24`, "dev", obs]);
    await run("ip", ["link", "set", obs, "up"]);
    for (const h of this.hosts) {
      await run("ip", ["netns", "add", h.namespace]);
      await run("ip", ["link", "add", "eth0", "netns", h.namespace, "type", "veth", "peer", "name", h.switchPort, "netns", sw]);
      await ipSw("link", "set", h.switchPort, "master", "br0", "up");
      await run("ip", ["-n", h.namespace, "link", "set", "lo", "up"]);
      await run("ip", ["-n", h.namespace, "addr", "add", `${h.address}/24`, "dev", "eth0"]);
      await run("ip", ["-n", h.namespace, "link", "set", "eth0", "up"]);
    }
  }

  /** The host called `name` ("h3"); throws for an unknown one. */
  host(name: string): TestHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no test host "${name}" (hosts: ${this.hosts.map((x) => x.name).join(", ")})`);
    return h;
  }

  /** The host drops off the network: its bridge port goes down. */
  async cutOff(name: string): Promise<void> {
    await run("ip", ["-n", this.switchNamespace, "link", "set", this.host(name).switchPort, "down"]);
  }

  /** Undoes cutOff. */
  async reconnect(name: string): Promise<void> {
    await run("ip", ["-n", this.switchNamespace, "link", "set", this.host(name).switchPort, "up"]);
  }

  /**
   * Splits the hosts into `sides` (host names): frames between sides are dropped, both ways;
   * each side, and the observer, still reach their own. Replaces any earlier partition.
   */
  async partition(sides: readonly (readonly string[])[]): Promise<void> {
    const ports = sides.map((side) => side.map((name) => this.host(name).switchPort));
    await run("ip", ["netns", "exec", this.switchNamespace, "nft", "-f", "-"], { input: partitionRuleset(ports) });
  }

  /** Ends every partition and reconnects every cut-off host. */
  async heal(): Promise<void> {
    await this.partition([]);
    for (const h of this.hosts) await this.reconnect(h.name);
  }

  /** Renumbers a host's eth0 to host index `newIndex` of the same /24 (its old address stops answering). */
  async changeAddress(name: string, newIndex: number): Promise<string> {
    const h = this.host(name);
    const address = this.subnet.address(newIndex);
    if (this.hosts.some((x) => x !== h && x.address === address)) throw new Error(`${address} belongs to another test host`);
    await run("ip", ["-n", h.namespace, "addr", "flush", "dev", "eth0"]);
    await run("ip", ["-n", h.namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
    h.address = address;
    return address;
  }

  /**
   * Gives every host the same /etc/hosts lines (name → addresses, several lines per name for a
   * name that resolves to several hosts, like a Kubernetes headless Service). `ip netns exec`
   * mounts the file over /etc/hosts for programs started afterwards.
   */
  async setHostsFile(entries: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const lines = ["127.0.0.1 localhost"];
    for (const [name, addresses] of Object.entries(entries)) for (const a of addresses) lines.push(`${a} ${name}`);
    for (const h of this.hosts) {
      const dir = join(NETNS_ETC, h.namespace);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "hosts"), lines.join("\n") + "\n");
    }
  }

  /** PIDs of the processes running on a host. */
  async pids(name: string): Promise<number[]> {
    const out = await run("ip", ["netns", "pids", this.host(name).namespace]).catch(() => "");
    return out.split("\n").filter(Boolean).map(Number);
  }

  /** Kills what still runs on the hosts and removes every namespace, link and file. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    live.delete(this);
    for (const ns of this.#namespaces()) {
      await killAllIn(ns);
      await runQuietly("ip", ["netns", "del", ns]);
      await rm(join(NETNS_ETC, ns), { recursive: true, force: true });
    }
    await runQuietly("ip", ["link", "del", this.#names.observerInterface]);
  }

  /** The same, synchronously, for the process-exit hook. */
  destroySync(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const ns of this.#namespaces()) {
      runSyncQuietly("sh", ["-c", `ip netns pids "$0" | xargs -r kill -9`, ns]);
      runSyncQuietly("ip", ["netns", "del", ns]);
      runSyncQuietly("rm", ["-rf", join(NETNS_ETC, ns)]);
    }
    runSyncQuietly("ip", ["link", "del", this.#names.observerInterface]);
  }

  #namespaces(): string[] {
    return [...this.hosts.map((h) => h.namespace), this.switchNamespace];
  }
}

async function killAllIn(namespace: string): Promise<void> {
  const out = await run("ip", ["netns", "pids", namespace]).catch(() => "");
  for (const pid of out.split("\n").filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Removes the namespaces and observer links of harnesses whose process is gone (a killed test run). */
async function removeLeftOvers(): Promise<void> {
  const namespaces = (await run("ip", ["netns", "list"]).catch(() => ""))
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith(NAMESPACE_PREFIX) && isLeftOver(n));
  for (const ns of namespaces) {
    await killAllIn(ns);
    await runQuietly("ip", ["netns", "del", ns]);
    await rm(join(NETNS_ETC, ns), { recursive: true, force: true });
  }
  const links = JSON.parse((await run("ip", ["-j", "link", "show"]).catch(() => "[]")) || "[]") as { ifname: string }[];
  for (const { ifname } of links) if (isLeftOver(ifname)) await runQuietly("ip", ["link", "del", ifname]);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const hosts of live) hosts.destroySync();
  });
}

/** Whether `s` overlaps any of `routes` (the default route aside). */
function overlapsRoute(s: Subnet, routes: readonly string[]): boolean {
  const [first, last] = cidrRange(s.cidr);
  return routes.filter((r) => r !== "default" && r !== "0.0.0.0/0").some((r) => {
    const [a, b] = cidrRange(r);
    return !(b < first || a > last);
  });
}
