/**
 * Everything a peer keeps on disk, in one LMDB environment under its data dir:
 *   records  record key (UTF-8 bytes) → record-codec bytes   (LmdbRecordStore)
 *   meta     "identity.privateKey" → pkcs8 DER bytes; "routing.contacts" → Contact[]
 * guarded by a data-dir lock (data-dir-lock.ts).
 */
import { accessSync, constants, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { open } from "lmdb";
import type { Database, RootDatabase } from "lmdb";
import type { Contact } from "@p2p/dht";
import { acquireDataDirLock } from "./data-dir-lock.js";
import type { DataDirLock } from "./data-dir-lock.js";
import { LmdbRecordStore } from "./lmdb-record-store.js";
import type { RecordsDatabase } from "./lmdb-record-store.js";

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
}

export interface PeerDatabase {
  readonly dataDir: string;
  readonly records: LmdbRecordStore;
  /** The peer's private key (pkcs8 DER) saved by an earlier run, if any. */
  loadIdentityKey(): Uint8Array | undefined;
  /** Resolves once the key is committed. */
  saveIdentityKey(bytes: Uint8Array): Promise<void>;
  /** The routing table saved by an earlier run; malformed entries are dropped. [] when none. */
  loadRoutingTable(): Contact[];
  /** Replaces the saved routing table; resolves once committed. */
  saveRoutingTable(contacts: Contact[]): Promise<void>;
  /** Closes LMDB and releases the data-dir lock. Idempotent. */
  close(): Promise<void>;
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

/**
 * Opens (creating if needed) the peer's database under `dataDir`. Throws DataDirError when
 * the dir cannot be created or written, DataDirLockedError when another live process uses it.
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
  let root: RootDatabase;
  let records: RecordsDatabase;
  let meta: Database<unknown, string>;
  try {
    const durability = opts.durability ?? "process-crash";
    root = open({
      path: join(dir, DATABASE_FILE_NAME),
      maxDbs: 4,
      overlappingSync: false,
      noSync: durability === "process-crash",
    });
    records = root.openDB<Uint8Array, Uint8Array>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    meta = root.openDB<unknown, string>({ name: "meta" });
  } catch (err) {
    lock.release();
    throw new DataDirError(dir, `cannot open the database (${(err as Error).message})`, { cause: err });
  }
  const store = new LmdbRecordStore(records, { syncCommits: (opts.durability ?? "process-crash") === "process-crash" });
  let closing: Promise<void> | undefined;

  return {
    dataDir: dir,
    records: store,
    loadIdentityKey() {
      const v = meta.get(IDENTITY_KEY);
      return v instanceof Uint8Array ? new Uint8Array(v) : undefined;
    },
    async saveIdentityKey(bytes) {
      await meta.put(IDENTITY_KEY, new Uint8Array(bytes));
      // Losing the key would change the peer's ID: always wait for the disk.
      await root.flushed;
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
          await root.close();
        } finally {
          lock.release();
        }
      })();
      return closing;
    },
  };
}
