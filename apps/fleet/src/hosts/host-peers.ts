/**
 * One real peer process per test host (network namespace), each bound to its host's own
 * address on the standard ports (8001 HTTP, 9001 gRPC: every host has its own), joined through
 * a DNS name that resolves to every host, as a Kubernetes headless Service would. The test
 * process reaches each peer through the hosts' observer port.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeClient, startPeer, waitFor, type PeerProcess } from "@p2p/launcher";
import type { TestHosts } from "@p2p/netns";
import type { Target } from "../chaos/workload.js";

/** The name every host's /etc/hosts maps to all hosts; peers bootstrap through it. */
export const SEED_NAME = "peers.p2p.test";
export const HTTP_PORT = 8001;
export const GRPC_PORT = 9001;
const ADMIN_TOKEN_FILE = "admin-token";

export interface HostPeersOptions {
  /** Flags for every peer (deadlines, repair interval, log level…). */
  args?: readonly string[];
}

export class HostPeers {
  readonly #hosts: TestHosts;
  readonly #args: readonly string[];
  readonly #peers = new Map<string, PeerProcess>();
  readonly dir: string;

  /** Every peer's admin token: the test process calls AdminService (Repair) from the observer's address, not loopback. */
  readonly adminToken = randomBytes(24).toString("hex");

  private constructor(hosts: TestHosts, dir: string, args: readonly string[]) {
    this.#hosts = hosts;
    this.dir = dir;
    this.#args = ["--admin-token-file", join(dir, ADMIN_TOKEN_FILE), ...args];
  }

  /** Starts a peer on every host (the first alone, the rest in parallel) and waits until every table holds every peer. */
  static async start(hosts: TestHosts, options: HostPeersOptions = {}): Promise<HostPeers> {
    const dir = await mkdtemp(join(tmpdir(), "p2p-hosts-"));
    const peers = new HostPeers(hosts, dir, options.args ?? []);
    try {
      await writeFile(join(dir, ADMIN_TOKEN_FILE), peers.adminToken + "\n", { mode: 0o600 });
      await hosts.setHostsFile({ [SEED_NAME]: hosts.hosts.map((h) => h.address) });
      const [first, ...rest] = hosts.hosts;
      await peers.startOn(first!.name);
      await Promise.all(rest.map((h) => peers.startOn(h.name)));
      await peers.waitForCompleteTables();
      return peers;
    } catch (err) {
      await peers.stop();
      throw err;
    }
  }

  /** Starts (or starts again, on the same data dir) the peer of `hostName`, at the host's current address; `extraArgs` after the common ones. */
  async startOn(hostName: string, extraArgs: readonly string[] = []): Promise<PeerProcess> {
    const host = this.#hosts.host(hostName);
    if (this.#peers.get(hostName)?.state === "running") throw new Error(`the peer on ${hostName} is still running`);
    const peer = startPeer({
      prefix: host.prefix,
      dataDir: join(this.dir, hostName),
      host: host.address,
      httpPort: HTTP_PORT,
      grpcPort: GRPC_PORT,
      bootstrap: [`${SEED_NAME}:${GRPC_PORT}`],
      args: [...this.#args, ...extraArgs],
    });
    this.#peers.set(hostName, peer);
    await peer.ready;
    return peer;
  }

  /**
   * Waits until every running peer's routing table holds every other running peer at its
   * host's current address. Stronger than a count: on a loaded machine a peer may drop a
   * contact that answered late during start-up, and learns it again within seconds.
   */
  async waitForCompleteTables(timeoutMs = 30_000): Promise<void> {
    const running = this.targets();
    const address = (name: string) => `${this.#hosts.host(name).address}:${GRPC_PORT}`;
    await waitFor(
      async () => {
        for (const t of running) {
          const table = await nodeClient(t.httpAddress, { timeoutMs: 2000 }).routingTable({});
          const known = new Set(table.buckets.flatMap((b) => b.contacts.map((c) => c.peer?.grpcAddress)));
          if (running.some((o) => o.name !== t.name && !known.has(address(o.name)))) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 250, what: `every routing table to hold all ${running.length} peers at their current addresses` },
    );
  }

  peer(hostName: string): PeerProcess {
    const p = this.#peers.get(hostName);
    if (!p) throw new Error(`no peer on ${hostName}`);
    return p;
  }

  /** Running peers as workload targets, named by host. */
  targets(except: ReadonlySet<string> = new Set()): Target[] {
    return [...this.#peers]
      .filter(([name, p]) => p.state === "running" && p.httpAddress && !except.has(name))
      .map(([name, p]) => ({ name, httpAddress: p.httpAddress!, adminToken: this.adminToken }));
  }

  /** Stops every peer (SIGTERM, SIGKILL after 5 s) and removes the data dirs. */
  async stop(): Promise<void> {
    await Promise.all([...this.#peers.values()].map((p) => p.stop(5000)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
