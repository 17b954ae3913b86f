/**
 * Turns GetResponse.trace (a flat list of steps in send order) into the plain tree that
 * trace-tree.ts renders. Steps are grouped into rounds: a request sent after some earlier
 * request had answered belongs to a later round (the lookup learned of that peer from it).
 */
import type { TraceNode } from "./trace-tree.js";

/** The fields of LookupStep the tree shows (a subset of the proto message, as plain data). */
export interface LookupStepData {
  peerId: string;
  address: string;
  sentAtMs: number;
  durationMs: number;
  ok: boolean;
  error: string;
  closerContacts: number;
  hadRecord: boolean;
}

export interface LookupTraceData {
  target: string;
  totalMs: number;
  hops: number;
  steps: LookupStepData[];
}

export const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 12)}…` : id || "?");

function outcomeOf(s: LookupStepData): string {
  if (!s.ok) return `failed: ${s.error || "no answer"}`;
  if (s.hadRecord) return "had record";
  return `${s.closerContacts} closer contact${s.closerContacts === 1 ? "" : "s"}`;
}

/** Groups steps into rounds: a step starts a new round when it was sent after an earlier one answered. */
export function groupRounds(steps: LookupStepData[]): LookupStepData[][] {
  const rounds: LookupStepData[][] = [];
  let current: LookupStepData[] = [];
  let firstAnswerAt = Infinity;
  for (const step of [...steps].sort((a, b) => a.sentAtMs - b.sentAtMs)) {
    if (current.length && step.sentAtMs >= firstAnswerAt) {
      rounds.push(current);
      current = [];
      firstAnswerAt = Infinity;
    }
    current.push(step);
    firstAnswerAt = Math.min(firstAnswerAt, step.sentAtMs + step.durationMs);
  }
  if (current.length) rounds.push(current);
  return rounds;
}

/** The tree of one lookup: root = the lookup, children = rounds, grandchildren = contacts. */
export function lookupTree(trace: LookupTraceData): TraceNode {
  const rounds = groupRounds(trace.steps);
  return {
    label: `lookup ${shortId(trace.target)}`,
    outcome: `${trace.steps.length} request${trace.steps.length === 1 ? "" : "s"}, ${trace.hops} hop${trace.hops === 1 ? "" : "s"}`,
    ms: trace.totalMs,
    children: rounds.map((round, i) => ({
      label: `round ${i + 1}`,
      ms: Math.max(...round.map((s) => s.sentAtMs + s.durationMs)) - Math.min(...round.map((s) => s.sentAtMs)),
      children: round.map((s) => ({
        label: `peer ${shortId(s.peerId)}${s.address ? ` ${s.address}` : ""}`,
        outcome: outcomeOf(s),
        ms: s.durationMs,
        details: [`sent at +${s.sentAtMs.toFixed(1)} ms`],
      })),
    })),
  };
}
