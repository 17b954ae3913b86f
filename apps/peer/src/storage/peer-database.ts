/**
 * What a peer keeps in one LMDB environment (`peer.mdb`) under its data dir:
 *   records     record key (UTF-8 bytes) → record-codec bytes   (LmdbRecordStore)
 *   quarantine  records whose stored bytes did not decode        (RecordQuarantine)
 *   deletes     key position → version of each collected delete  (LmdbDeleteLog)
 *   meta        "routing.contacts" → Contact[]; before identity.key existed also
 *               "identity.privateKey" → pkcs8 DER bytes (read once, to migrate it)
 * guarded by a data-dir lock (data-dir-lock.ts). The identity key lives beside it in its own
 * file (identity/identity-key-file.ts), so a damaged database never costs the peer its ID.
 *
 * The file is checked before LMDB maps it (database-file-check.ts): LMDB trusts its meta
 * pages, and a garbage file can kill the process with a signal and no message.
 */
import { accessSync, constants, mkdirSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { open } from "lmdb";
import type { Database, RootDatabase } from "lmdb";
import type { Contact } from "@p2p/dht";
import { acquireDataDirLock } from "./data-dir-lock.js";
import type { DataDirLock } from "./data-dir-lock.js";
import { checkDatabaseFile } from "./database-file-check.js";
import { LmdbDeleteLog, type DeleteLogDatabase } from "./delete-log.js";
import { startPeriodicSync } from "./periodic-sync.js";
import { LmdbRecordStore } from "./lmdb-record-store.js";
import type { RecordsDatabase } from "./lmdb-record-store.js";
import { RecordQuarantine } from "./record-quarantine.js";
import type { QuarantineDatabase, QuarantinedRecord, QuarantineLimits } from "./record-quarantine.js";

export const DATABASE_FILE_NAME = "peer.mdb";
const IDENTITY_KEY = "identity.privateKey";
const ROUTING_KEY = "routing.contacts";
const NODE_ID = /^[0-9a-f]{64}$/;

export interface PeerDatabaseOptions {
  /**
   * What a resolved write survives. "power-loss": every commit is fsynced before its
   * promise resolves. Default "process-crash": commits are not fsynced; a resolved write
   * survives kill -9 of the peer (its pages are in the OS cache) but not an OS crash, in
   * exchange for lower write latency (replicas on other machines cover that case). Measured on this (noisy, shared) machine with 100-byte values:
   * one awaited merge at a time ~400-900/s fsynced vs ~2-5k/s not; 256 in flight share
   * commits, ~56k vs ~100k merges/s; gets ~230k/s. lmdb's default (overlappingSync) was
   * slower than both one-at-a-time (~160/s) and resolves before the fsync, so it is off.
   */
  durability?: "power-loss" | "process-crash";
  /**
   * When the database file is damaged: false (default) throws DatabaseDamagedError and
   * touches nothing; true renames it to `peer.mdb.damaged-<time>` and starts an empty one.
   */
  recover?: boolean;
  /** Told of every record moved to the quarantine, once (see LmdbRecordStore). */
  onQuarantined?: (record: QuarantinedRecord) => void;
  /** Bounds of the quarantine; default DEFAULT_QUARANTINE_LIMITS. */
  quarantineLimits?: QuarantineLimits;
  /**
   * "process-crash" durability: how often the environment is flushed to disk, bounding what a
   * power loss can drop. Default 5000 ms; 0 only at close. Unused with "power-loss".
   */
  syncIntervalMs?: number;
  /** A periodic flush failed (the peer keeps running; the next one tries again). */
  onSyncError?: (error: unknown) => void;
}

/** What the check of the database file found at open. */
export type DatabaseOpenState =
  | { t: "new" }
  | { t: "whole" }
  /** Damaged and, since `recover` was set, renamed to `movedTo`; the database is now empty. */
  | { t: "recovered"; problem: string; movedTo: string };

export interface PeerDatabase {
  readonly dataDir: string;
  readonly records: LmdbRecordStore;
  readonly quarantine: RecordQuarantine;
  /** Collected deletes (the node's deleteLog component). */
  readonly deleteLog: LmdbDeleteLog;
  /** What the check of the database file found (and did, with `recover`). */
  readonly opened: DatabaseOpenState;
  /** The private key (pkcs8 DER) that runs before identity.key kept in the database, if any. */
  loadLegacyIdentityKey(): Uint8Array | undefined;
  /** Deletes that key, once identity.key holds it; resolves once committed. */
  forgetLegacyIdentityKey(): Promise<void>;
  /** The routing table saved by an earlier run; malformed entries are dropped. [] when none. */
  loadRoutingTable(): Contact[];
  /** Replaces the saved routing table; resolves once committed. */
  saveRoutingTable(contacts: Contact[]): Promise<void>;
  /** Closes LMDB and releases the data-dir lock. Idempotent. */
  close(): Promise<void>;
}

/** The database file is damaged and `recover` was not set. The message is the one line to show. */
export class DatabaseDamagedError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`database ${file} is damaged (${problem}); start with --recover to move it aside and rejoin empty under the same ID`);
    this.name = "DatabaseDamagedError";
  }
}

export class DataDirError extends Error {
  constructor(dataDir: string, problem: string, options?: { cause?: unknown }) {
    super(`data dir ${dataDir}: ${problem}`, options);
    this.name = "DataDirError";
  }
}

function prepareDataDir(dataDir: string): void {
  try {
    // 0o700: the dir holds the peer's private key.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirError(dataDir, `cannot create it (${code ?? String(err)})`, { cause: err });
  }
  try {
    accessSync(dataDir, constants.W_OK);
  } catch (err) {
    throw new DataDirError(dataDir, "not writable", { cause: err });
  }
}

function isContact(value: unknown): value is Contact {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.id === "string" &&
    NODE_ID.test(c.id) &&
    typeof c.address === "string" &&
    c.address.length > 0 &&
    typeof c.httpAddress === "string"
  );
}

/** `2024-05-01T10-20-30-123Z`: sorts by time and is a valid file name everywhere. */
function fileTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, "-");
}

/**
 * Checks the database file before LMDB maps it; with `recover`, renames a damaged one aside.
 * Runs under the data-dir lock, so no other peer has the file open.
 */
function checkOrRecover(file: string, recover: boolean): DatabaseOpenState {
  const state = checkDatabaseFile(file);
  if (state.t === "absent") return { t: "new" };
  if (state.t === "whole") return { t: "whole" };
  if (!recover) throw new DatabaseDamagedError(file, state.problem);
  // Renamed, never deleted: whoever investigates the damage still has the bytes.
  const movedTo = `${file}.damaged-${fileTimestamp(Date.now())}`;
  renameSync(file, movedTo);
  return { t: "recovered", problem: state.problem, movedTo };
}

/**
 * Opens (creating if needed) the peer's database under `dataDir`. Throws DataDirError when
 * the dir cannot be created or written, DataDirLockedError when another live process uses it,
 * DatabaseDamagedError when the database file is damaged and `opts.recover` is not set.
 */
export function openPeerDatabase(dataDir: string, opts: PeerDatabaseOptions = {}): PeerDatabase {
  const dir = resolve(dataDir);
  prepareDataDir(dir);
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(dir);
  } catch (err) {
    if (err instanceof Error && err.name === "DataDirLockedError") throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirError(dir, `cannot write its lock file (${code ?? String(err)})`, { cause: err });
  }
  const file = join(dir, DATABASE_FILE_NAME);
  let opened: DatabaseOpenState;
  try {
    opened = checkOrRecover(file, opts.recover ?? false);
  } catch (err) {
    lock.release();
    if (err instanceof DatabaseDamagedError) throw err;
    throw new DataDirError(dir, `cannot check the database file (${(err as Error).message})`, { cause: err });
  }
  let root: RootDatabase;
  let records: RecordsDatabase;
  let quarantineDb: QuarantineDatabase;
  let meta: Database<unknown, string>;
  let deletesDb: DeleteLogDatabase;
  try {
    const durability = opts.durability ?? "process-crash";
    root = open({
      path: file,
      // Named sub-databases at most; room to spare, as it cannot grow without reopening.
      maxDbs: 8,
      overlappingSync: false,
      noSync: durability === "process-crash",
    });
    records = root.openDB<Uint8Array, Uint8Array>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    quarantineDb = root.openDB({ name: "quarantine", keyEncoding: "binary" }) as unknown as QuarantineDatabase;
    meta = root.openDB<unknown, string>({ name: "meta" });
    deletesDb = root.openDB({ name: "deletes", keyEncoding: "binary" }) as unknown as DeleteLogDatabase;
  } catch (err) {
    lock.release();
    throw new DataDirError(dir, `cannot open the database (${(err as Error).message})`, { cause: err });
  }
  const quarantine = new RecordQuarantine(quarantineDb, opts.quarantineLimits);
  const store = new LmdbRecordStore(records, quarantine, {
    syncCommits: (opts.durability ?? "process-crash") === "process-crash",
    ...(opts.onQuarantined ? { onQuarantined: opts.onQuarantined } : {}),
  });
  let closing: Promise<void> | undefined;
  const durability = opts.durability ?? "process-crash";
  const periodicSync =
    durability === "process-crash"
      ? startPeriodicSync((done) => (root as unknown as { sync(cb: (error?: unknown) => void): void }).sync(done), opts.syncIntervalMs ?? 5000, opts.onSyncError ?? (() => {}))
      : undefined;

  return {
    dataDir: dir,
    records: store,
    quarantine,
    deleteLog: new LmdbDeleteLog(deletesDb),
    opened,
    loadLegacyIdentityKey() {
      const v = meta.get(IDENTITY_KEY);
      return v instanceof Uint8Array ? new Uint8Array(v) : undefined;
    },
    async forgetLegacyIdentityKey() {
      await meta.remove(IDENTITY_KEY);
    },
    loadRoutingTable() {
      const v = meta.get(ROUTING_KEY);
      if (!Array.isArray(v)) return [];
      return v.filter(isContact).map((c) => ({ id: c.id, address: c.address, httpAddress: c.httpAddress }));
    },
    async saveRoutingTable(contacts) {
      await meta.put(
        ROUTING_KEY,
        contacts.map((c) => ({ id: c.id, address: c.address, httpAddress: c.httpAddress })),
      );
    },
    close() {
      closing ??= (async () => {
        try {
          await periodicSync?.stop();
          await root.close();
        } finally {
          lock.release();
        }
      })();
      return closing;
    },
  };
}
