/**
 * Collected deletes on disk (the DHT core's DeleteLog): one row per delete whose tombstone was
 * collected, key = the key's position (32 bytes), value = the delete's version and when it was
 * remembered. Without it a restarted peer would forget every collected delete, and a replica
 * returning with a deleted value could bring it back through this peer.
 */
import type { Database } from "lmdb";
import type { DeleteLog, Version } from "@p2p/dht";

interface Row {
  wallMs: number;
  logical: number;
  writer: string;
  at: number;
}

export type DeleteLogDatabase = Database<Row, Uint8Array>;

const POSITION = /^[0-9a-f]{64}$/;

function isRow(v: unknown): v is Row {
  const r = v as Row;
  return (
    typeof r === "object" &&
    r !== null &&
    Number.isFinite(r.wallMs) &&
    r.wallMs >= 0 &&
    Number.isSafeInteger(r.logical) &&
    r.logical >= 0 &&
    typeof r.writer === "string" &&
    POSITION.test(r.writer) &&
    Number.isFinite(r.at)
  );
}

export class LmdbDeleteLog implements DeleteLog {
  readonly #db: DeleteLogDatabase;
  /** Rows that did not decode at load (skipped: a forgotten delete, never a crash). */
  skipped = 0;

  constructor(db: DeleteLogDatabase) {
    this.#db = db;
  }

  async load(): Promise<Array<readonly [string, Version]>> {
    const rows: [string, Version, number][] = [];
    for (const { key, value } of this.#db.getRange({})) {
      if (!(key instanceof Uint8Array) || key.length !== 32 || !isRow(value)) {
        this.skipped++;
        continue;
      }
      rows.push([Buffer.from(key).toString("hex"), { wallMs: value.wallMs, logical: value.logical, writer: value.writer }, value.at]);
    }
    // Oldest first, so the bound forgets the oldest.
    rows.sort((a, b) => a[2] - b[2]);
    return rows.map(([position, version]) => [position, version] as const);
  }

  async add(position: string, version: Version): Promise<void> {
    await this.#db.put(Buffer.from(position, "hex"), { wallMs: version.wallMs, logical: version.logical, writer: version.writer, at: Date.now() });
  }

  async remove(position: string): Promise<void> {
    await this.#db.remove(Buffer.from(position, "hex"));
  }
}
