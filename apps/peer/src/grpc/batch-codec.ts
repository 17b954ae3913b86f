/**
 * StoreMany and FindValueMany on the wire: the outcome lists both sides exchange. Everything
 * decoded here comes from another peer, so the lengths, codes and records are validated; a
 * responder that breaks the protocol gets Internal for the whole call, one bad item only
 * that item's error.
 */
import { create } from "@bufbuild/protobuf";
import { StoreManyResponseSchema, StoreOutcomeSchema, FindValueManyResponseSchema, ValueOutcomeSchema } from "@p2p/proto/peer";
import type { StoreManyRequest, StoreManyResponse, FindValueManyResponse, StoreOutcome, ValueOutcome, SignedContact } from "@p2p/proto/peer";
import { DHT_ERROR_CODES, DhtError, MAX_BATCH_RECORDS } from "@p2p/dht";
import type { DhtErrorCode, DhtRecord, FindValueManyOutcome, Logger, StoreManyOutcome } from "@p2p/dht";
import { fieldError, recordFromProto, recordToProto, versionFromProto, versionToProto } from "./message-codec.js";

const CODES = new Set<string>(DHT_ERROR_CODES);
/** What each outcome costs in an answer beyond its record's key and value. */
const PER_OUTCOME_BYTES = 256;

/** The requested count, refused whole beyond MAX_BATCH_RECORDS. */
export function checkBatchCount(n: number, field: string): void {
  if (n > MAX_BATCH_RECORDS) throw fieldError(field, `at most ${MAX_BATCH_RECORDS} per call, got ${n}`);
}

/** A StoreMany's records; a malformed one fails the whole call (an honest peer never sends one). */
export function storeManyRecords(req: StoreManyRequest): DhtRecord[] {
  checkBatchCount(req.records.length, "records");
  return req.records.map((r, i) => recordFromProto(r, `records[${i}]`));
}

/** An error's code and message for the other side; internal failures are not described. */
function errorFields(err: DhtError, log: Logger, method: string): { errorCode: string; errorMessage: string } {
  if (err.code === "internal" || err.code === "unknown") {
    log.error({ err, method }, "peer rpc handler failed on one item");
    return { errorCode: err.code, errorMessage: "internal error" };
  }
  return { errorCode: err.code, errorMessage: err.message };
}

export function storeManyResponse(sender: SignedContact, outcomes: StoreManyOutcome[], log: Logger): StoreManyResponse {
  return create(StoreManyResponseSchema, {
    sender,
    outcomes: outcomes.map((o) => create(StoreOutcomeSchema, o instanceof DhtError ? errorFields(o, log, "StoreMany") : { applied: o.applied, current: versionToProto(o.current) })),
  });
}

/**
 * A FindValueMany's answer: records until the message budget is spent, the rest "omitted"
 * for the caller to ask again, so one answer never exceeds the message size limit.
 */
export function findValueManyResponse(sender: SignedContact, outcomes: FindValueManyOutcome[], maxMessageBytes: number, log: Logger): FindValueManyResponse {
  let budget = maxMessageBytes - 4096;
  const values = outcomes.map((o): ValueOutcome => {
    budget -= PER_OUTCOME_BYTES;
    if (o === null) return create(ValueOutcomeSchema, {});
    if (o === "omitted") return create(ValueOutcomeSchema, { omitted: true });
    if (o instanceof DhtError) return create(ValueOutcomeSchema, errorFields(o, log, "FindValueMany"));
    budget -= o.value.byteLength + Buffer.byteLength(o.key);
    return create(ValueOutcomeSchema, budget < 0 ? { omitted: true } : { record: recordToProto(o) });
  });
  return create(FindValueManyResponseSchema, { sender, values });
}

/** An item's error as the responder named it (an unknown code is "unknown"). */
function errorOf(code: string, message: string, field: string): DhtError {
  return new DhtError(`${field}: ${message.slice(0, 500)}`, CODES.has(code) ? (code as DhtErrorCode) : "unknown");
}

function checkCount(got: number, sent: number, field: string): void {
  if (got !== sent) throw fieldError(field, `${got} outcomes for ${sent} items`, "internal");
}

export function storeOutcomesFromProto(outcomes: StoreOutcome[], sent: number): StoreManyOutcome[] {
  checkCount(outcomes.length, sent, "response.outcomes");
  return outcomes.map((o, i) => {
    if (o.errorCode !== "") return errorOf(o.errorCode, o.errorMessage, `response.outcomes[${i}]`);
    try {
      return { applied: o.applied, current: versionFromProto(o.current, `response.outcomes[${i}].current`, "internal") };
    } catch (err) {
      return DhtError.from(err);
    }
  });
}

export function valueOutcomesFromProto(values: ValueOutcome[], keys: readonly string[]): FindValueManyOutcome[] {
  checkCount(values.length, keys.length, "response.values");
  return values.map((v, i) => {
    const field = `response.values[${i}]`;
    if (v.errorCode !== "") return errorOf(v.errorCode, v.errorMessage, field);
    if (v.omitted) return "omitted";
    if (!v.record) return null;
    try {
      const record = recordFromProto(v.record, `${field}.record`, "internal");
      if (record.key !== keys[i]) throw fieldError(`${field}.record.key`, "is not the requested key", "internal");
      return record;
    } catch (err) {
      return DhtError.from(err);
    }
  });
}

/** A FindValueMany's keys: the count here, each key by the handler (a bad key fails alone). */
export function findValueManyKeys(keys: string[]): string[] {
  checkBatchCount(keys.length, "keys");
  return keys;
}
