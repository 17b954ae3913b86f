/**
 * The disk quotas as Prometheus series: bytes counted and the limit per kind (file chunks,
 * other records), and the writes each quota refused. Read at scrape time from the node.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export interface DiskQuotaUse {
  /** "chunks" (ChunkStore's diskQuotaBytes) or "records" (plain values and manifests, recordQuotaBytes). */
  kind: "chunks" | "records";
  usedBytes: number;
  quotaBytes: number;
  /** Writes refused for this quota since start. */
  refused: number;
}

export function registerDiskMetrics(registry: Registry, read: () => readonly DiskQuotaUse[] | undefined): void {
  const labelNames = ["kind"] as const;
  new Gauge({
    name: "p2p_disk_used_bytes",
    help: "Bytes counted against each disk quota (kind: chunks, records; records count key + value + 512 each)",
    labelNames,
    registers: [registry],
    collect() {
      for (const q of read() ?? []) this.set({ kind: q.kind }, q.usedBytes);
    },
  });
  new Gauge({
    name: "p2p_disk_quota_bytes",
    help: "Each disk quota's limit (--disk-quota-bytes for chunks, --record-quota-bytes for records)",
    labelNames,
    registers: [registry],
    collect() {
      for (const q of read() ?? []) this.set({ kind: q.kind }, q.quotaBytes);
    },
  });
  new Counter({
    name: "p2p_disk_quota_refused_total",
    help: "Writes refused because they would exceed a disk quota",
    labelNames,
    registers: [registry],
    collect() {
      const quotas = read();
      if (!quotas) return;
      this.reset();
      for (const q of quotas) this.inc({ kind: q.kind }, q.refused);
    },
  });
}
