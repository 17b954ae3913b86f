/**
 * A running peer, wired: identity and records from the data dir, the peer-to-peer gRPC server
 * and transport, the public HTTP API, and the DHT node built by createNode from them; stopped
 * in reverse order. What each part does lives in its own module.
 */
import { join } from "node:path";
import { createNode, DhtError, ed25519WriterProofs, FaultInjector, lateHandler, systemClock, type Contact, type DhtNode } from "@p2p/dht";
import type { PeerConfig, SettingKey } from "./config/peer-config.js";
import { liveNodeOptions, nodeOptionsOf } from "./config/node-options.js";
import { errorMessage } from "./edge-errors.js";
import { GrpcTransport } from "./grpc/grpc-transport.js";
import { startPeerGrpcServer } from "./grpc/peer-server.js";
import type { ApiContext } from "./http/api-context.js";
import { faultHandlers } from "./http/node-service-faults.js";
import { fileRoutes, type FileRouteContext } from "./http/file-routes.js";
import { startHttpServer } from "./http/http-server.js";
import { fileServiceHandlers } from "./http/node-service-files.js";
import { replicationAdminHandlers, replicationHandlers } from "./http/node-service-replication.js";
import { adminServiceRoutes, readAdminToken } from "./http/admin-service.js";
import { nodeServiceRoutes } from "./http/node-service.js";
import { ownedHandlers, ownedRoutes } from "./http/node-service-owned.js";
import { batchHandlers } from "./http/node-service-batch.js";
import { ownerKeyHandlers } from "./http/admin-owned-keys.js";
import { OwnerKeys } from "./identity/owner-keys.js";
import { restRoutes } from "./http/rest-routes.js";
import { traceHandlers } from "./http/node-service-trace.js";
import { PeerTracing } from "./tracing/peer-tracing.js";
import { IDENTITY_KEY_FILE_NAME } from "./identity/identity-key-file.js";
import { loadIdentity } from "./identity/peer-identity.js";
import { ContactVerifier } from "./identity/signed-contact.js";
import { Joiner } from "./joiner.js";
import { askForBootstrap, leaveWithin } from "./membership.js";
import type { Logger } from "./observability/logger.js";
import { createPeerMetrics, nodeMetricsHooks } from "./observability/metrics.js";
import { createPeerRateLimits } from "./rate-limit/peer-rate-limits.js";
import { openPeerDatabase, type PeerDatabase } from "./storage/peer-database.js";
import { keepRoutingTable } from "./storage/routing-table-saver.js";
import { SOFTWARE_VERSION } from "./version.js";
import { peerTlsOf, transportSecurityOf } from "./tls/peer-tls-config.js";

/** Extra bytes a request may carry beside its value (key, JSON framing, versions). */
const MESSAGE_OVERHEAD = 64 * 1024;

export interface RunningPeer {
  readonly self: Contact;
  readonly node: DhtNode;
  /** Applies settings from a reloaded config file (only the live ones are passed). */
  applySettings(next: PeerConfig, changed: readonly SettingKey[]): void;
  /** Graceful stop: leave the network, stop serving, let background work settle, save state, close the database. */
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
  // Before the database, so a record quarantined by the very first read is counted.
  const metrics = createPeerMetrics();
  const rateLimits = createPeerRateLimits(config, metrics);
  const db = openPeerDatabase(config.dataDir, {
    durability: config.durability,
    recover: config.recover,
    syncIntervalMs: config.syncIntervalMs,
    onSyncError: (err) => logger.error({ err: String(err) }, "flushing the database to disk failed; will try again"),
    onQuarantined: (q) => {
      // Once per record: it leaves the records database in the same transaction.
      metrics.countQuarantined();
      logger.warn({ key: q.key, reason: q.reason, bytes: q.bytes }, "record quarantined: its stored bytes do not decode; the other replicas will send it again");
    },
  });
  logDatabaseState(db, config, logger);
  const cleanups: (() => Promise<void> | void)[] = [() => db.close()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const { identity, source } = await loadIdentity(db.dataDir, db);
    if (source === "migrated") logger.info({ file: identityKeyFile(db.dataDir) }, "identity key moved from the database to its own file");
    if (source === "created" && db.opened.t === "recovered") {
      logger.warn({ id: identity.id }, "no identity.key beside the damaged database: this peer rejoins under a new ID");
    }
    const startedAtMs = Date.now();
    const verifier = new ContactVerifier();
    const maxMessageBytes = config.maxValueBytes + MESSAGE_OVERHEAD;
    let self: Contact = { id: identity.id, address: "", httpAddress: "" };
    let node: DhtNode | undefined;
    let tracing: PeerTracing | undefined;

    // Both servers bind before the node exists (their ports are part of our contact); until
    // then they answer UNAVAILABLE.
    const handler = lateHandler();
    const tls = peerTlsOf(config, identity, logger, metrics);
    const grpcServer = await startPeerGrpcServer({
      tls,
      host: config.host,
      port: config.grpcPort,
      identity,
      verifier,
      maxMessageBytes,
      getSelf: () => self,
      log: logger,
      handler: handler.handler,
      onConnectionLimit: (hit) => metrics.countConnectionLimit("grpc", hit),
      rateLimit: rateLimits.peer,
    });
    cleanups.push(() => grpcServer.close(1000));
    // Readiness, as grpc.health.v1 on the gRPC port and /readyz on the HTTP port say it.
    let serving = false;
    const setServing = (next: boolean) => {
      serving = next;
      grpcServer.setServing(next);
    };
    const ctx: ApiContext = {
      get node() {
        if (!node) throw DhtError.unavailable("peer is starting");
        return node;
      },
      get self() {
        return self;
      },
      get tracing() {
        if (!tracing) throw DhtError.unavailable("peer is starting");
        return tracing;
      },
      startedAtMs,
      softwareVersion: SOFTWARE_VERSION,
      metrics,
      transportSecurity: transportSecurityOf(tls),
      get serving() {
        return serving;
      },
      onLeft: () => setServing(false),
    };
    const files: FileRouteContext = { files: () => ctx.node.files, tracer: () => tracing?.tracer };
    // Faults act through the node's own interceptors and clock, so a peer under faults is the peer users run.
    const faults = config.faultInjection ? new FaultInjector() : undefined;
    const ownerKeys = new OwnerKeys(db.dataDir);
    const adminToken = config.adminTokenFile ? await readAdminToken(config.adminTokenFile) : undefined;
    const http = await startHttpServer({
      host: config.host,
      port: config.port,
      routes: (router) => {
        nodeServiceRoutes(ctx, [fileServiceHandlers(files), replicationHandlers(ctx), traceHandlers(ctx), ownedHandlers(ctx), batchHandlers(ctx)])(router);
        adminServiceRoutes([replicationAdminHandlers(ctx), faultHandlers(faults), ownerKeyHandlers(ctx, () => ownerKeys)], adminToken)(router);
      },
      fallback: restRoutes(ctx, [fileRoutes(files), ownedRoutes(ctx)]),
      readMaxBytes: maxMessageBytes,
      onConnectionLimit: (hit) => metrics.countConnectionLimit("http", hit),
      rateLimiter: rateLimits.http,
    });
    cleanups.push(() => http.close(1000));

    self = { id: identity.id, address: hostPort(config.advertise, grpcServer.port), httpAddress: hostPort(config.advertise, http.port) };
    const transport = new GrpcTransport({ identity, self: () => self, verifier, maxMessageBytes, log: logger, tls });
    cleanups.push(() => transport.close());
    // After the HTTP bind: the exported resource names our address. OTLP modules load only with an endpoint.
    const peerTracing = await PeerTracing.create({
      peerId: identity.id,
      httpAddress: () => self.httpAddress,
      softwareVersion: SOFTWARE_VERSION,
      store: { maxTraces: config.traceMaxTraces, ttlMs: config.traceTtlMs },
      otlpEndpoint: config.otlpEndpoint,
      registry: metrics.registry,
    });
    tracing = peerTracing;
    cleanups.push(() => peerTracing.stop());
    const faultComponents = faults ? { interceptors: { client: [faults.client], server: [faults.server] }, clock: faults.clock(systemClock) } : {};
    const dht = createNode({ self, transport, writerProofs: ed25519WriterProofs(identity), provenContact: (c) => transport.provenContact(c), store: db.records, deleteLog: db.deleteLog, logger, metrics: nodeMetricsHooks(metrics), tracer: peerTracing.tracer, ...faultComponents }, nodeOptionsOf(config));
    if (faults) logger.warn({}, "fault injection is on: SetFaults can cut this peer off (tests and chaos runs only)");
    cleanups.push(() => dht.stop());
    // Graceful stop = leave, before the servers close; not on a failed start (ready is false then).
    let ready = false;
    cleanups.push(() => {
      if (!ready) return undefined;
      setServing(false);
      return leaveWithin(dht, Math.max(500, Math.floor(config.shutdownTimeoutMs * 0.6)), logger);
    });
    const routing = keepRoutingTable(db, dht.kademlia.routingTable, logger);
    cleanups.push(() => routing.stop());
    metrics.setSources({
      recordsHeld: () => db.records.count(),
      routingTableContacts: () => dht.kademlia.routingTable.size,
      routingTableDiversityRefused: () => dht.kademlia.routingTable.refusedByDiversity,
      replicationHealth: () => dht.replicationHealth(),
      diskQuotas: () => [
        { kind: "chunks", usedBytes: dht.chunks.usedBytes, quotaBytes: dht.chunks.options.diskQuotaBytes, refused: dht.chunks.refused },
        { kind: "records", usedBytes: dht.recordQuota.usedBytes, quotaBytes: dht.recordQuota.options.recordQuotaBytes, refused: dht.recordQuota.refused },
      ],
    });
    warnIfWeak(config, logger);
    handler.set(dht.handler);
    node = dht;
    // Index the held records before anything runs on them, so a store that cannot be read
    // fails the start with its reason instead of failing every repair round in the background.
    try {
      await dht.records.store.load();
    } catch (err) {
      throw new Error(`cannot read the records in ${db.dataDir} (${errorMessage(err)})`, { cause: err });
    }
    dht.start();

    let bootstrap = config.bootstrap;
    if (bootstrap.length === 0 && routing.restored === 0 && interactive) {
      const answer = await askForBootstrap(interactive.input, interactive.output);
      if (answer) bootstrap = [answer];
    }
    const join = new Joiner(dht, transport, bootstrap, { timeoutMs: config.rpcTimeoutMs }, logger);
    cleanups.push(() => join.stop());
    if (bootstrap.length > 0 || routing.restored > 0) await join.tryOnce();

    ready = true;
    setServing(true);
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
        rateLimits.apply(next);
        const { antiEntropy, ...live } = liveNodeOptions(next);
        dht.updateOptions(live);
        try {
          dht.updateOptions({ antiEntropy });
        } catch (err) {
          logger.warn({ error: errorMessage(err) }, "repair settings not applied");
        }
        if (changed.includes("consistency") || changed.includes("writeQuorum") || changed.includes("readQuorum")) warnIfWeak(next, logger);
        logger.info({ changed }, "settings reloaded");
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function identityKeyFile(dataDir: string): string {
  return join(dataDir, IDENTITY_KEY_FILE_NAME);
}

/** A recovery is logged as it happened; --recover on a whole database says there was nothing to do. */
function logDatabaseState(db: PeerDatabase, config: PeerConfig, logger: Logger): void {
  const o = db.opened;
  if (o.t === "recovered") {
    logger.warn({ problem: o.problem, movedTo: o.movedTo }, "damaged database moved aside; starting empty, anti-entropy will refill it from the other replicas");
  } else if (config.recover) {
    logger.info({}, "--recover: the database is not damaged, nothing to recover");
  }
}

/** Weak consistency is a choice the logs must show: reads may then miss an acknowledged write. */
function warnIfWeak(c: PeerConfig, logger: Logger): void {
  if (c.consistency !== "weak") return;
  logger.warn(
    { replicationFactor: c.replicationFactor, writeQuorum: c.writeQuorum, readQuorum: c.readQuorum },
    "consistency is weak: W + Rq need not exceed R, so a read may miss an acknowledged write",
  );
}
