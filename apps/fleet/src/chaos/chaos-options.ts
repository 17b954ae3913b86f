/** What a chaos run is asked to do, validated field by field (INVALID_ARGUMENT names the field). */
import { Code, ConnectError } from "@connectrpc/connect";

export const FAULT_KINDS = ["kill", "pause", "partition", "skew", "delay"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  /** 32-bit seed of the workload and the nemesis. */
  seed: number;
  /** Length of the fault phase. */
  seconds: number;
  clients: number;
  keys: number;
  faults: FaultKind[];
}

export interface ChaosOptionsInput {
  seed?: number | bigint;
  seconds?: number;
  clients?: number;
  keys?: number;
  faults?: readonly string[];
}

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

function inRange(field: string, v: number | undefined, min: number, max: number, fallback: number): number {
  if (v === undefined || v === 0) return fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(`${field}: must be from ${min} to ${max}, got ${v}`);
  return v;
}

/** Fills defaults (0 or unset means the default) and checks every field. */
export function resolveChaosOptions(input: ChaosOptionsInput, randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 32)): ChaosOptions {
  const rawSeed = input.seed === undefined ? 0n : BigInt(input.seed);
  if (rawSeed < 0n || rawSeed >= 2n ** 32n) throw invalid(`seed: must be from 0 to ${2 ** 32 - 1}, got ${rawSeed}`);
  const faults = [...new Set(input.faults ?? [])];
  for (const f of faults) if (!(FAULT_KINDS as readonly string[]).includes(f)) throw invalid(`faults: unknown kind "${f}" (expected ${FAULT_KINDS.join(", ")})`);
  return {
    seed: rawSeed === 0n ? randomSeed() || 1 : Number(rawSeed),
    seconds: inRange("seconds", input.seconds, 5, 3600, 60),
    clients: inRange("clients", input.clients, 1, 64, 8),
    keys: inRange("keys", input.keys, 1, 10_000, 40),
    faults: faults.length ? (faults as FaultKind[]) : [...FAULT_KINDS],
  };
}
