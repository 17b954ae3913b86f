/** Reads counters from a peer's Prometheus /metrics text (enough for deltas; not a full parser). */
import { request } from "node:http";

export type Samples = { name: string; labels: Record<string, string>; value: number }[];

/** Parses `name{a="b",…} value` lines; comments and malformed lines are skipped. */
export function parseProm(text: string): Samples {
  const out: Samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Sum of `name` over samples whose labels include `where`. */
export function sum(samples: Samples, name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** GET http://<httpAddress>/metrics, parsed (5 s deadline). */
export function scrape(httpAddress: string): Promise<Samples> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${httpAddress}/metrics`, { timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve(parseProm(body)));
    });
    req.on("timeout", () => req.destroy(new Error(`GET /metrics from ${httpAddress} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
