/**
 * The peer's settings: one zod schema, each field with what it does and why its default is what
 * it is. Sources and precedence: load-peer-config.ts; settings that change live: LIVE_SETTINGS.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { RATE_LIMIT_LIVE_SETTINGS, RATE_LIMIT_SOURCES, rateLimitSettingsShape } from "./rate-limit-settings.js";
import { READ_LIVE_SETTINGS, READ_SOURCES, readCrossFieldProblems, readSettingsShape } from "./read-settings.js";
import { SECURITY_SOURCES, securitySettingsShape } from "./security-settings.js";

const MiB = 1024 * 1024;

/** A host name or IP literal (IPv6 without brackets); no port. */
const hostName = z.string().check((ctx) => {
  const v = ctx.value;
  const ok = isIP(v) !== 0 || (v.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v));
  if (!ok) ctx.issues.push({ code: "custom", message: `expected a host name or IP address, got ${JSON.stringify(v)}`, input: v });
});

/** Splits "host:port" / "[v6]:port"; undefined when malformed. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  if (!hostName.safeParse(host).success) return undefined;
  return { host, port };
}

const hostPort = z.string().check((ctx) => {
  if (parseHostPort(ctx.value) === undefined) {
    ctx.issues.push({ code: "custom", message: `expected host:port with port 1-65535, got ${JSON.stringify(ctx.value)}`, input: ctx.value });
  }
});

const port = z.number().int().min(0).max(65535);

/** An absolute http(s) URL (an OTLP collector). */
const httpUrl = z.string().check((ctx) => {
  let ok = false;
  try {
    const u = new URL(ctx.value);
    ok = (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {}
  if (!ok) ctx.issues.push({ code: "custom", message: `expected an http:// or https:// URL, got ${JSON.stringify(ctx.value)}`, input: ctx.value });
});
const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Hosts that mean "every interface": fine to bind, useless to advertise. */
export const UNSPECIFIED_HOSTS = new Set(["0.0.0.0", "::"]);

/**
 * Every setting with its default. Fields without a default (advertise, dataDir) are derived
 * from others by loadPeerConfig; parentPid stays optional.
 */
export const peerSettingsSchema = z
  .object({
    /** Interface both servers bind. Loopback by default so a fresh peer is not exposed to the network by accident. */
    host: hostName.default("127.0.0.1"),
    /** Public HTTP port (Connect API, REST routes, /metrics). 8001 as in the original system; 0 lets the OS pick (tests, fleets). */
    port: port.default(8001),
    /** Peer-to-peer gRPC port. 9001 as in the original system; 0 lets the OS pick. */
    grpcPort: port.default(9001),
    /**
     * Host other peers and clients should use to reach us (ports come from the actual bind).
     * Default: the bind host; when binding 0.0.0.0 or :: the first non-loopback interface
     * address, since an unspecified address cannot be dialled.
     */
    advertise: hostName.refine((v) => !UNSPECIFIED_HOSTS.has(v), "cannot advertise an unspecified address (0.0.0.0 or ::)").optional(),
    /** Where records, the identity key and the routing table live. Default `.data/peer-<port>` under the working dir: one dir per local peer. */
    dataDir: z.string().min(1).optional(),
    /**
     * host:grpcPort of peers to join through; a host that is a DNS name is resolved to every
     * address it has, again at each attempt (a Kubernetes headless Service name finds every
     * peer). Empty: start a new network (or reuse the saved routing table).
     */
    bootstrap: z.array(hostPort).max(64).default([]),
    /** pino level. info: lifecycle and errors, not one line per request. Changeable live. */
    logLevel: z.enum(LOG_LEVELS).default("info"),
    /** R: copies of each record. 3 survives two failures before repair while keeping writes cheap (Dynamo's N=3). */
    replicationFactor: z.number().int().min(1).max(20).default(3),
    /** W: replica acks before a write is acknowledged. 2 of 3: a write outlives any single failure, and W+Rq > R makes reads see it. Changeable live. */
    writeQuorum: z.number().int().min(1).max(20).default(2),
    /** Rq: replica answers a read waits for. 2 of 3 overlaps every write quorum of 2. Changeable live. */
    readQuorum: z.number().int().min(1).max(20).default(2),
    /**
     * "strong": W + Rq must exceed R, so every read sees the latest acknowledged write; quorums
     * that do not overlap are refused at start and on reload. "weak": any W and Rq, accepting
     * stale reads on purpose; Info and the logs say so. Changeable live.
     */
    consistency: z.enum(["strong", "weak"]).default("strong"),
    /** Largest record value. 1 MiB keeps one record well under gRPC's 4 MiB message limit; files are chunked below it. Changeable live. */
    maxValueBytes: z.number().int().min(1).max(16 * MiB).default(MiB),
    /** Largest record key in UTF-8 bytes. 1024 is generous for names and stays under LMDB's 1978-byte key limit. */
    maxKeyBytes: z.number().int().min(1).max(1978).default(1024),
    /** Deadline of one peer-to-peer call. 2 s: loopback p50 is ~0.2 ms, so this only fires on a dead or stuck peer. Changeable live. */
    rpcTimeoutMs: ms(1, 600_000).default(2000),
    /** Deadline of a whole client operation (lookup + quorum). 5 s: room for a few sequential RPC timeouts. Changeable live. */
    requestTimeoutMs: ms(1, 3_600_000).default(5000),
    /** Kademlia bucket refresh period. 15 min: ~4x more often than the paper's hour, as local fleets churn fast. Read at start (the refresh timer is set then). */
    refreshIntervalMs: ms(1000, 86_400_000).default(15 * 60_000),
    /** Anti-entropy round period: digests compared with every neighbour sharing records. 30 s: at rest a round is one ~50-byte RPC per neighbour, joins and goodbyes trigger a prompt round anyway, so this mostly bounds how long a silent crash goes unrepaired. Changeable live. */
    repairIntervalMs: ms(100, 86_400_000).default(30_000),
    /** Tombstones are kept at least this long, then collected once every replica holds them (a small record of the delete stays, so the value cannot come back). Default (unset): 10 days, as Cassandra's gc_grace_seconds: a replica down for less than this gets the delete when it returns. At least 2 × repairIntervalMs. Changeable live. */
    tombstoneGraceMs: ms(200, 365 * 86_400_000).optional(),
    /** Max clock offset between peers: a record version further ahead of this peer's clock is refused, which fences a peer whose clock is fast (its writes fail until its clock agrees). 1000 ms: NTP keeps peers within milliseconds; CockroachDB's default is 500. Changeable live. */
    maxClockOffsetMs: ms(1, 3_600_000).default(1000),
    /** Exit when this process is no longer our parent (set by the fleet controller, so a killed controller leaves no orphans). */
    parentPid: z.number().int().min(1).optional(),
    /** How long a SIGTERM shutdown may drain in-flight requests before forcing exit. 5 s: above requestTimeoutMs's default. */
    shutdownTimeoutMs: ms(0, 600_000).default(5000),
    /**
     * When an acknowledged write is safe. "process-crash" (default): the LMDB transaction has
     * committed to the OS, so the write survives the peer dying (kill -9, OOM, crash); a power
     * loss of the machine can drop the last seconds of writes, which the other R-1 replicas on
     * other machines still hold (Dynamo and Cassandra's periodic commit-log sync make the same
     * trade). "power-loss": fsync every commit, ~1-5 ms more per write on the disks measured here.
     */
    durability: z.enum(["process-crash", "power-loss"]).default("process-crash"),
    /** With "process-crash" durability, how often the database is flushed to disk (LMDB's env sync): a power loss drops at most this many ms of acknowledged writes on this machine. 5 s, like Cassandra's periodic commit-log sync (10 s). 0: only at shutdown. Read only at start. */
    syncIntervalMs: ms(0, 600_000).default(5000),
    /**
     * What to do when the database file is damaged (a truncated copy, a stray write over its
     * headers). false (default): refuse to start, with one line naming the file, so nothing is
     * thrown away without a person deciding. true: rename it to `peer.mdb.damaged-<time>`,
     * start empty under the same ID (identity.key is a separate file) and let anti-entropy
     * refill the records from the other replicas. Read only at start.
     */
    recover: z.boolean().default(false),
    /**
     * Accept SetFaults (partitions, delays, clock skew injected into this peer) for tests and
     * chaos runs. false (default): anyone who reaches the HTTP port could otherwise cut the peer
     * off; the fleet controller turns it on for the local peers it starts. Read only at start.
     */
    faultInjection: z.boolean().default(false),
    /** Largest file accepted for upload. 1 GiB: a bound on one upload's disk use across the network; memory is bounded by the transfer window, not this. Changeable live. */
    maxFileBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1024 * MiB),
    /** File chunk bytes this peer stores at most. Over it, new chunks are refused (RESOURCE_EXHAUSTED) and writers use the next closest peers. 10 GiB; nothing is evicted when lowered. Changeable live. */
    diskQuotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(10 * 1024 * MiB),
    /** Bytes of records other than file chunks (plain values, manifests; key + value + 512 each) this peer stores at most. Over it, writes that grow the total are refused (RESOURCE_EXHAUSTED, HTTP 507, p2p_disk_quota_refused_total); deletes and shrinking overwrites always pass. 1 GiB: bounds the disk and the in-memory index (~300 B a record) of a Store flood. Changeable live. */
    recordQuotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1024 * MiB),
    /** Upload lease: a file chunk still pending (its upload never stored a manifest) this long after this peer first saw it is collected. 24 h: far above any upload (1 GiB at 100 KB/s is under 3 h). Swept every quarter lease (at most every 10 min). Changeable live. */
    chunkLeaseMs: ms(100, 365 * 86_400_000).default(86_400_000),
    /** Keys queued at most for hinted hand-off (copies this peer took for an unreachable replica, handed back when it answers). Beyond it, counted (p2p_hinted_handoff_total{event="overflowed"}) and left to the repair round. Changeable live. */
    maxHints: z.number().int().min(0).max(10_000_000).default(10_000),
    /** Collected deletes remembered (about 150 bytes each in memory and a row on disk), so a returning replica cannot bring their values back; the oldest are forgotten first (p2p_collected_deletes_forgotten_total). Changeable live. */
    maxCollectedDeletes: z.number().int().min(0).max(100_000_000).default(100_000),
    /** OTLP/HTTP collector (e.g. http://127.0.0.1:4318) to export spans of sampled traces to; `/v1/traces` is appended. Unset (default): no export, and the OpenTelemetry modules are never loaded. Read only at start. */
    otlpEndpoint: httpUrl.optional(),
    /** Traces kept for GetTrace at most, the oldest forgotten first (p2p_trace_evictions_total). 1000: a few MB. Read only at start. */
    traceMaxTraces: z.number().int().min(0).max(1_000_000).default(1000),
    /** How long a trace is kept for GetTrace, ms. 10 min: time to look at it, little memory. Read only at start. */
    traceTtlMs: ms(1000, 86_400_000).default(600_000),
    ...rateLimitSettingsShape,
    ...readSettingsShape,
    ...securitySettingsShape,
  })
  .strict();

export type PeerSettings = z.infer<typeof peerSettingsSchema>;
export type SettingKey = keyof PeerSettings;

/** The resolved configuration: every derived field filled in, paths absolute. */
export type PeerConfig = Omit<PeerSettings, "advertise" | "dataDir"> & { advertise: string; dataDir: string };

/** Settings a running peer applies from a reloaded config file; the rest need a restart. */
export const LIVE_SETTINGS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  "logLevel",
  "writeQuorum",
  "readQuorum",
  "consistency",
  "maxValueBytes",
  "writePolicy",
  "rpcTimeoutMs",
  "requestTimeoutMs",
  "repairIntervalMs",
  "tombstoneGraceMs",
  "maxClockOffsetMs",
  "maxFileBytes",
  "diskQuotaBytes",
  "recordQuotaBytes",
  "chunkLeaseMs",
  "maxHints",
  "maxCollectedDeletes",
  ...RATE_LIMIT_LIVE_SETTINGS,
  ...READ_LIVE_SETTINGS,
]);

export const SETTING_KEYS = Object.keys(peerSettingsSchema.shape) as SettingKey[];

/** How a setting is given on the command line and in the environment, for parsing and --help. */
export interface SettingSource {
  flag: string;
  env: string;
  /** "boolean": a flag without a value (`--recover`); env values 1/true/0/false. */
  kind: "string" | "integer" | "list" | "boolean";
  help: string;
}

export const SETTING_SOURCES: Record<SettingKey, SettingSource> = {
  host: { flag: "host", env: "P2P_HOST", kind: "string", help: "interface to bind" },
  port: { flag: "port", env: "P2P_PORT", kind: "integer", help: "HTTP port (0: any free port)" },
  grpcPort: { flag: "grpc-port", env: "P2P_GRPC_PORT", kind: "integer", help: "peer-to-peer gRPC port (alias --grpc_port)" },
  advertise: { flag: "advertise", env: "P2P_ADVERTISE", kind: "string", help: "host others use to reach us (default: bind host)" },
  dataDir: { flag: "data-dir", env: "P2P_DATA_DIR", kind: "string", help: "data dir (default .data/peer-<port>)" },
  bootstrap: { flag: "bootstrap", env: "P2P_BOOTSTRAP", kind: "list", help: "host:grpcPort to join through, host an address or a DNS name (every address it resolves to is tried, again at each retry); repeatable (env: comma-separated)" },
  logLevel: { flag: "log-level", env: "P2P_LOG_LEVEL", kind: "string", help: LOG_LEVELS.join("|") },
  replicationFactor: { flag: "replication-factor", env: "P2P_REPLICATION_FACTOR", kind: "integer", help: "R, copies per record" },
  writeQuorum: { flag: "write-quorum", env: "P2P_WRITE_QUORUM", kind: "integer", help: "W, acks per write (1..R)" },
  readQuorum: { flag: "read-quorum", env: "P2P_READ_QUORUM", kind: "integer", help: "Rq, answers per read (1..R)" },
  consistency: { flag: "consistency", env: "P2P_CONSISTENCY", kind: "string", help: "strong (W + Rq > R required) | weak (stale reads accepted)" },
  maxValueBytes: { flag: "max-value-bytes", env: "P2P_MAX_VALUE_BYTES", kind: "integer", help: "largest value" },
  maxKeyBytes: { flag: "max-key-bytes", env: "P2P_MAX_KEY_BYTES", kind: "integer", help: "largest key" },
  rpcTimeoutMs: { flag: "rpc-timeout-ms", env: "P2P_RPC_TIMEOUT_MS", kind: "integer", help: "deadline of one peer call" },
  requestTimeoutMs: { flag: "request-timeout-ms", env: "P2P_REQUEST_TIMEOUT_MS", kind: "integer", help: "deadline of one client operation" },
  refreshIntervalMs: { flag: "refresh-interval-ms", env: "P2P_REFRESH_INTERVAL_MS", kind: "integer", help: "bucket refresh period" },
  repairIntervalMs: { flag: "repair-interval-ms", env: "P2P_REPAIR_INTERVAL_MS", kind: "integer", help: "anti-entropy round period" },
  tombstoneGraceMs: { flag: "tombstone-grace-ms", env: "P2P_TOMBSTONE_GRACE_MS", kind: "integer", help: "how long tombstones are kept at least (default 10 days)" },
  maxClockOffsetMs: { flag: "max-clock-offset-ms", env: "P2P_MAX_CLOCK_OFFSET_MS", kind: "integer", help: "versions further ahead of this peer's clock are refused (default 1000)" },
  parentPid: { flag: "parent-pid", env: "P2P_PARENT_PID", kind: "integer", help: "exit when this process stops being our parent" },
  shutdownTimeoutMs: { flag: "shutdown-timeout-ms", env: "P2P_SHUTDOWN_TIMEOUT_MS", kind: "integer", help: "drain time on SIGTERM" },
  durability: { flag: "durability", env: "P2P_DURABILITY", kind: "string", help: "process-crash|power-loss: fsync every write or not" },
  recover: { flag: "recover", env: "P2P_RECOVER", kind: "boolean", help: "move a damaged database aside and start empty under the same ID" },
  syncIntervalMs: { flag: "sync-interval-ms", env: "P2P_SYNC_INTERVAL_MS", kind: "integer", help: "flush the database to disk this often with process-crash durability (default 5000)" },
  faultInjection: { flag: "fault-injection", env: "P2P_FAULT_INJECTION", kind: "boolean", help: "accept SetFaults (partitions, delays, clock skew) for tests and chaos runs" },
  maxFileBytes: { flag: "max-file-bytes", env: "P2P_MAX_FILE_BYTES", kind: "integer", help: "largest file upload" },
  diskQuotaBytes: { flag: "disk-quota-bytes", env: "P2P_DISK_QUOTA_BYTES", kind: "integer", help: "file chunk bytes this peer stores at most" },
  recordQuotaBytes: { flag: "record-quota-bytes", env: "P2P_RECORD_QUOTA_BYTES", kind: "integer", help: "bytes of records other than file chunks this peer stores at most (default 1 GiB)" },
  chunkLeaseMs: { flag: "chunk-lease-ms", env: "P2P_CHUNK_LEASE_MS", kind: "integer", help: "uncommitted upload chunks are collected after this" },
  maxHints: { flag: "max-hints", env: "P2P_MAX_HINTS", kind: "integer", help: "keys queued at most for hinted hand-off (default 10000)" },
  maxCollectedDeletes: { flag: "max-collected-deletes", env: "P2P_MAX_COLLECTED_DELETES", kind: "integer", help: "collected deletes remembered at most (default 100000)" },
  otlpEndpoint: { flag: "otlp-endpoint", env: "P2P_OTLP_ENDPOINT", kind: "string", help: "OTLP/HTTP collector URL to export trace spans to (e.g. http://127.0.0.1:4318)" },
  traceMaxTraces: { flag: "trace-max-traces", env: "P2P_TRACE_MAX_TRACES", kind: "integer", help: "traces kept for GetTrace (default 1000)" },
  traceTtlMs: { flag: "trace-ttl-ms", env: "P2P_TRACE_TTL_MS", kind: "integer", help: "how long traces are kept for GetTrace (default 600000)" },
  ...RATE_LIMIT_SOURCES,
  ...READ_SOURCES,
  ...SECURITY_SOURCES,
};

/** Cross-field rules, checked on the merged settings. Each names the setting it is about. */
export function crossFieldProblems(s: {
  replicationFactor: number;
  writeQuorum: number;
  readQuorum: number;
  rpcTimeoutMs: number;
  requestTimeoutMs: number;
  repairIntervalMs?: number;
  tombstoneGraceMs?: number | undefined;
  consistency?: "strong" | "weak"; hedgeMinMs?: number; hedgeMaxMs?: number;
}): { key: SettingKey; other: SettingKey; message: string; otherMessage: string }[] {
  const out = [];
  if (s.tombstoneGraceMs !== undefined && s.repairIntervalMs !== undefined && s.tombstoneGraceMs < 2 * s.repairIntervalMs) {
    out.push({
      key: "tombstoneGraceMs" as const,
      other: "repairIntervalMs" as const,
      message: `must be ≥ 2 × repair interval (${2 * s.repairIntervalMs}), got ${s.tombstoneGraceMs}`,
      otherMessage: `must be ≤ half the tombstone grace (${s.tombstoneGraceMs}), got ${s.repairIntervalMs}`,
    });
  }
  const R = s.replicationFactor;
  if (s.writeQuorum > R) {
    out.push({
      key: "writeQuorum" as const,
      other: "replicationFactor" as const,
      message: `must be ≤ replication factor (${R}), got ${s.writeQuorum}`,
      otherMessage: `must be ≥ write quorum (${s.writeQuorum}), got ${R}`,
    });
  }
  if (s.readQuorum > R) {
    out.push({
      key: "readQuorum" as const,
      other: "replicationFactor" as const,
      message: `must be ≤ replication factor (${R}), got ${s.readQuorum}`,
      otherMessage: `must be ≥ read quorum (${s.readQuorum}), got ${R}`,
    });
  }
  if ((s.consistency ?? "strong") === "strong" && s.writeQuorum <= R && s.readQuorum <= R && s.writeQuorum + s.readQuorum <= R) {
    const need = `W + Rq must exceed R (${R}) so that reads see every acknowledged write, got ${s.writeQuorum} + ${s.readQuorum}; or set --consistency weak`;
    out.push({
      key: "writeQuorum" as const,
      other: "readQuorum" as const,
      message: need,
      otherMessage: need,
    });
  }
  if (s.rpcTimeoutMs > s.requestTimeoutMs) {
    out.push({
      key: "rpcTimeoutMs" as const,
      other: "requestTimeoutMs" as const,
      message: `must be ≤ request timeout (${s.requestTimeoutMs}), got ${s.rpcTimeoutMs}`,
      otherMessage: `must be ≥ rpc timeout (${s.rpcTimeoutMs}), got ${s.requestTimeoutMs}`,
    });
  }
  return [...out, ...readCrossFieldProblems(s)];
}
