/**
 * Collected deletes on disk (the DHT core's DeleteLog): one row per delete whose tombstone was
 * collected, key = the key's position (32 bytes), value = the delete's version and when it was
 * remembered. Without it a restarted peer would forget every collected delete, and a replica
 * returning with a deleted value could bring it back through this peer.
 */
import type { Database } from "lmdb";
import type { DeleteLog, Version, WriterProof } from "@p2p/dht";

interface Row {
  wallMs: number;
  logical: number;
  writer: string;
  at: number;
  /** The delete's writer proof (absent in rows of older runs): its public key and signature. */
  pk?: Uint8Array;
  sig?: Uint8Array;
  /** A batch proof's audit path (records/batch-proof.ts), when the delete was part of a batch. */
  bp?: Uint8Array;
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
    Number.isFinite(r.at) &&
    (r.pk === undefined || (r.pk instanceof Uint8Array && r.pk.length === 32 && r.sig instanceof Uint8Array && r.sig.length === 64)) &&
    (r.bp === undefined || (r.pk !== undefined && r.bp instanceof Uint8Array && r.bp.length % 33 === 0 && r.bp.length <= 660))
  );
}

export class LmdbDeleteLog implements DeleteLog {
  readonly #db: DeleteLogDatabase;
  /** Rows that did not decode at load (skipped: a forgotten delete, never a crash). */
  skipped = 0;

  constructor(db: DeleteLogDatabase) {
    this.#db = db;
  }

  async load(): Promise<Array<readonly [string, Version, WriterProof?]>> {
    const rows: [string, Version, number, WriterProof | undefined][] = [];
    for (const { key, value } of this.#db.getRange({})) {
      if (!(key instanceof Uint8Array) || key.length !== 32 || !isRow(value)) {
        this.skipped++;
        continue;
      }
      const proof: WriterProof | undefined = value.pk && value.sig ? { publicKey: new Uint8Array(value.pk), signature: new Uint8Array(value.sig) } : undefined;
      if (proof && value.bp) proof.path = new Uint8Array(value.bp);
      rows.push([Buffer.from(key).toString("hex"), { wallMs: value.wallMs, logical: value.logical, writer: value.writer }, value.at, proof]);
    }
    // Oldest first, so the bound forgets the oldest.
    rows.sort((a, b) => a[2] - b[2]);
    return rows.map(([position, version, , proof]) => (proof ? ([position, version, proof] as const) : ([position, version] as const)));
  }

  async add(position: string, version: Version, proof?: WriterProof): Promise<void> {
    const row: Row = { wallMs: version.wallMs, logical: version.logical, writer: version.writer, at: Date.now() };
    if (proof) Object.assign(row, { pk: Buffer.from(proof.publicKey), sig: Buffer.from(proof.signature), ...(proof.path ? { bp: Buffer.from(proof.path) } : {}) });
    await this.#db.put(Buffer.from(position, "hex"), row);
  }

  async remove(position: string): Promise<void> {
    await this.#db.remove(Buffer.from(position, "hex"));
  }
}
