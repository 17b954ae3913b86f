/**
 * A running peer: identity and records from the data dir, the DHT node, the peer-to-peer gRPC
 * server and transport, and the public HTTP API, wired together and stopped in reverse order.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DhtNode, type Contact } from "@p2p/dht";
import type { ApiContext, ApiSettings } from "./api/api-context.js";
import { startHttpServer, type StartedHttpServer } from "./api/http-server.js";
import { nodeServiceRoutes } from "./api/node-service.js";
import { replicationHandlers } from "./api/replication-handlers.js";
import { withReplicationCalls, withReplicationHandlers } from "./grpc/replication-rpcs.js";
import { restRoutes } from "./api/rest-routes.js";
import type { PeerConfig, SettingKey } from "./config/peer-config.js";
import { GrpcTransport } from "./grpc/grpc-transport.js";
import { startPeerGrpcServer, type PeerGrpcServer } from "./grpc/peer-server.js";
import { PeerIdentity } from "./identity/peer-identity.js";
import { ContactVerifier } from "./identity/signed-contact.js";
import { askForBootstrap, probeSeeds } from "./join.js";
import { instrumentHandler, instrumentTransport, PeerRpcStats } from "./observability/instrument.js";
import type { Logger } from "./observability/logger.js";
import { createPeerMetrics } from "./observability/metrics.js";
import { openPeerDatabase, type PeerDatabase } from "./storage/peer-database.js";
import { PeerFiles } from "./files/peer-files.js";
import { SOFTWARE_VERSION } from "./version.js";
import { errorMessage } from "./edge-errors.js";

/** Extra bytes a request may carry beside its value (key, JSON framing, versions). */
const MESSAGE_OVERHEAD = 64 * 1024;
/** How often the routing table is saved, so a crash loses at most this much of it. */
const ROUTING_SAVE_INTERVAL_MS = 30_000;
/** Retry period while no bootstrap peer answers (it may simply not be up yet). */
const JOIN_RETRY_MS = 2_000;

export interface RunningPeer {
  readonly self: Contact;
  readonly node: DhtNode;
  /** Applies settings from a reloaded config file (only the live ones are passed). */
  applySettings(next: PeerConfig, changed: readonly SettingKey[]): void;
  /** Graceful stop: stop serving, let background writes settle, save state, close the database. */
  stop(): Promise<void>;
}

export interface StartPeerOptions {
  config: PeerConfig;
  logger: Logger;
  /** Ask for a bootstrap address on this terminal when there is no other way to join. */
  interactive?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream };
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startPeer({ config, logger, interactive }: StartPeerOptions): Promise<RunningPeer> {
  const db: PeerDatabase = openPeerDatabase(config.dataDir, { durability: config.durability });
  const cleanups: (() => Promise<void> | void)[] = [() => db.close()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    let identity: PeerIdentity;
    const savedKey = db.loadIdentityKey();
    if (savedKey) {
      identity = PeerIdentity.fromPrivateKey(savedKey);
    } else {
      identity = PeerIdentity.generate();
      await db.saveIdentityKey(identity.exportPrivateKey());
    }

    const startedAtMs = Date.now();
    const metrics = createPeerMetrics();
    const rpcStats = new PeerRpcStats();
    const verifier = new ContactVerifier();
    const maxMessageBytes = config.maxValueBytes + MESSAGE_OVERHEAD;
    let settings: ApiSettings = pickApiSettings(config);
    let self: Contact = { id: identity.id, address: "", httpAddress: "" };
    let node: DhtNode | undefined;
    const started = (): DhtNode => {
      if (!node) throw new ConnectError("peer is starting", Code.Unavailable);
      return node;
    };

    // File sharing: chunk and manifest records pass through its verifying content store.
    const files = new PeerFiles({ records: db.records, identity, verifier, getSelf: () => self, config, logger });
    await files.init();
    cleanups.push(() => files.stop());

    // Both servers bind before the node exists (their ports are part of our contact); until
    // then they answer Unavailable.
    const grpcServer: PeerGrpcServer = await startPeerGrpcServer({
      host: config.host,
      port: config.grpcPort,
      identity,
      verifier,
      maxMessageBytes,
      getSelf: () => self,
      log: logger,
      extraMethods: files.grpcMethods((from) => started().onPing(from)),
      handler: withReplicationHandlers(
        instrumentHandler(
          files.guard({
            onPing: (from) => started().onPing(from),
            onFindNode: (from, target) => started().onFindNode(from, target),
            onFindValue: (from, key) => started().onFindValue(from, key),
            onStore: (from, record) => started().onStore(from, record),
          }),
          metrics,
          rpcStats,
        ),
        started,
        metrics,
      ),
    });
    cleanups.push(() => grpcServer.close(1000));

    const ctx: ApiContext = {
      get node() {
        return started();
      },
      get self() {
        return self;
      },
      startedAtMs,
      softwareVersion: SOFTWARE_VERSION,
      settings: () => settings,
      rpcStats,
      metrics,
    };
    const http: StartedHttpServer = await startHttpServer({
      host: config.host,
      port: config.port,
      routes: nodeServiceRoutes(ctx, [files.nodeServiceHandlers(), replicationHandlers(ctx)]),
      fallback: restRoutes(ctx, [files.restRoute()]),
      readMaxBytes: maxMessageBytes,
    });
    cleanups.push(() => http.close(1000));

    self = {
      id: identity.id,
      address: hostPort(config.advertise, grpcServer.port),
      httpAddress: hostPort(config.advertise, http.port),
    };
    const grpcTransport = new GrpcTransport({ identity, self: () => self, verifier, maxMessageBytes, log: logger });
    cleanups.push(() => grpcTransport.close());
    const dht = new DhtNode(
      {
        self,
        transport: withReplicationCalls(instrumentTransport(grpcTransport, metrics, rpcStats), grpcTransport, metrics),
        store: db.records,
        logger,
        onLookupEvent: (e) => {
          if (e.type === "lookup-finished") metrics.observeLookup(e.hops);
        },
      },
      {
        kademlia: { rpcTimeoutMs: config.rpcTimeoutMs, refreshIntervalMs: config.refreshIntervalMs },
        replication: {
          replicationFactor: config.replicationFactor,
          writeQuorum: config.writeQuorum,
          readQuorum: config.readQuorum,
          rpcTimeoutMs: config.rpcTimeoutMs,
          maxValueBytes: config.maxValueBytes,
        },
        antiEntropy: antiEntropySettings(config),
      },
    );
    cleanups.push(() => dht.stop());
    // Graceful stop = leave (issue 3): hand every record to the next closest peers and say
    // goodbye before the servers close, bounded so the shutdown deadline still leaves time
    // to close the database. Not on a failed start (ready is false then).
    let ready = false;
    cleanups.push(async () => {
      if (!ready || dht.left) return;
      const budget = Math.max(500, Math.floor(config.shutdownTimeoutMs * 0.6));
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        dht.leave(),
        new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), budget))),
      ]).finally(() => clearTimeout(timer));
      if (outcome === "timeout") logger.warn({ budgetMs: budget }, "leave did not finish before the shutdown deadline");
    });
    files.start(dht.kademlia, instrumentTransport(grpcTransport, metrics, rpcStats), dht.store, dht.antiEntropy);
    const restored = dht.kademlia.routingTable.restore(db.loadRoutingTable());
    metrics.setSources({
      recordsHeld: () => db.records.count(),
      routingTableContacts: () => dht.kademlia.routingTable.size,
      replicationHealth: () => dht.replicationHealth(),
    });
    node = dht;
    dht.start();

    const saveRouting = () => db.saveRoutingTable(dht.kademlia.routingTable.snapshot()).catch((err) => logger.warn({ err }, "saving the routing table failed"));
    const saveTimer = setInterval(saveRouting, ROUTING_SAVE_INTERVAL_MS);
    saveTimer.unref();
    cleanups.push(async () => {
      clearInterval(saveTimer);
      await saveRouting();
    });

    let bootstrap = config.bootstrap;
    if (bootstrap.length === 0 && restored === 0 && interactive) {
      const answer = await askForBootstrap(interactive.input, interactive.output);
      if (answer) bootstrap = [answer];
    }
    const join = new Joiner(dht, grpcTransport, bootstrap, config.rpcTimeoutMs, logger);
    cleanups.push(() => join.stop());
    if (bootstrap.length > 0 || restored > 0) await join.tryOnce();

    ready = true;
    // The ready line is a contract with launchers (fleet controller, tests): printed at every
    // log level, "silent" included.
    logger
      .child({}, { level: "info" })
      .info({ id: self.id, httpAddress: self.httpAddress, grpcAddress: self.address, contacts: dht.kademlia.routingTable.size, dataDir: config.dataDir }, "peer ready");

    return {
      self,
      node: dht,
      applySettings(next, changed) {
        if (changed.includes("logLevel")) logger.level = next.logLevel;
        dht.updateOptions({ writeQuorum: next.writeQuorum, readQuorum: next.readQuorum, maxValueBytes: next.maxValueBytes, rpcTimeoutMs: next.rpcTimeoutMs });
        files.applySettings(next);
        try {
          dht.updateAntiEntropyOptions(antiEntropySettings(next));
        } catch (err) {
          logger.warn({ error: errorMessage(err) }, "repair settings not applied");
        }
        settings = pickApiSettings(next);
        logger.info({ changed }, "settings reloaded");
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Anti-entropy settings from the config; the tombstone grace defaults to 10 × the repair interval. */
function antiEntropySettings(c: PeerConfig): { repairIntervalMs: number; tombstoneGraceMs: number } {
  return { repairIntervalMs: c.repairIntervalMs, tombstoneGraceMs: c.tombstoneGraceMs ?? 10 * c.repairIntervalMs };
}

function pickApiSettings(c: PeerConfig): ApiSettings {
  return {
    replicationFactor: c.replicationFactor,
    writeQuorum: c.writeQuorum,
    readQuorum: c.readQuorum,
    maxValueBytes: c.maxValueBytes,
    requestTimeoutMs: c.requestTimeoutMs,
  };
}

/**
 * Joins through the bootstrap addresses and the restored routing table; while nobody answers
 * (the bootstrap peer may start later) it retries in the background instead of failing.
 */
class Joiner {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly dht: DhtNode,
    private readonly transport: GrpcTransport,
    private readonly addresses: readonly string[],
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async tryOnce(): Promise<void> {
    const seeds = await probeSeeds(
      this.addresses,
      (a) => this.transport.probe(a, { timeoutMs: this.timeoutMs }),
      (address, err) => this.logger.warn({ address, error: errorMessage(err) }, "bootstrap peer did not answer"),
    );
    const known = this.dht.kademlia.routingTable.all();
    try {
      await this.dht.bootstrap([...seeds, ...known]);
    } catch (err) {
      if (this.#stopped) return;
      this.logger.warn({ error: (err as Error).message, retryInMs: JOIN_RETRY_MS }, "could not join the network yet");
      this.#timer = setTimeout(() => void this.tryOnce(), JOIN_RETRY_MS);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
