/**
 * Where did a read's value come from? The workload writes every value once, so a value
 * names its write. A value no put on the key attempted is a phantom (corruption, a read
 * from the wrong key, a replica inventing data); a value only a refused put wrote means
 * an operation reported as failed took effect anyway.
 */
import { opName, opRef, type Anomaly } from "../anomaly.js";
import type { GetOperation, PutOperation } from "../history-types.js";
import { isFoundRead, type KeyHistory } from "../key-history.js";
import { formatVersion } from "../version.js";

/** Every put attempt on one key, by the value it wrote (a list, in case a workload repeats values). */
export type PutsByValue = Map<string, PutOperation[]>;

export function putsByValue(k: KeyHistory): PutsByValue {
  const byValue: PutsByValue = new Map();
  for (const put of k.puts) {
    const list = byValue.get(put.value);
    if (list) list.push(put);
    else byValue.set(put.value, [put]);
  }
  return byValue;
}

/** Finds, for a phantom's explanation, a put of the same value on another key. */
export type FindPutOfValue = (value: string) => PutOperation | undefined;

/**
 * Checks every found read of one key against the puts of that key. Returns the reads it
 * flagged, so that the freshness checks do not report the same read a second time: the
 * version of a value nobody wrote says nothing about staleness.
 */
export function checkValueOrigins(
  k: KeyHistory,
  byValue: PutsByValue,
  findElsewhere: FindPutOfValue,
  report: (a: Anomaly) => void,
): Set<GetOperation> {
  const flagged = new Set<GetOperation>();
  for (const read of k.reads) {
    if (!isFoundRead(read)) continue;
    const { value, version } = read.result;
    const sources = byValue.get(value);
    if (!sources) {
      const elsewhere = findElsewhere(value);
      report({
        kind: "phantom-value",
        key: k.key,
        explanation:
          `${opName(read)} on key ${JSON.stringify(k.key)} returned ${JSON.stringify(value)} (version ${formatVersion(version)}), which no put on this key wrote` +
          (elsewhere ? `; ${opName(elsewhere)} wrote it to key ${JSON.stringify(elsewhere.key)}` : ""),
        ops: elsewhere ? [opRef("read", read), opRef("source-write", elsewhere)] : [opRef("read", read)],
      });
      flagged.add(read);
    } else if (sources.every((p) => p.outcome === "fail")) {
      report({
        kind: "failed-write-read",
        key: k.key,
        explanation: `${opName(read)} on key ${JSON.stringify(k.key)} returned ${JSON.stringify(value)}, written only by ${sources.map(opName).join(", ")} whose outcome was fail: a refused write took effect`,
        ops: [opRef("read", read), ...sources.map((p) => opRef("source-write", p))],
      });
      flagged.add(read);
    }
  }
  return flagged;
}
