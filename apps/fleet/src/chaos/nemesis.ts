/**
 * The nemesis of a chaos run: one fault at a time, each held a few seconds, with a short calm
 * between them. Kinds come from a bag refilled with every allowed kind in an order drawn from
 * the seed, so each cycle injects every kind once; partitions take turns over their shapes,
 * the largest minority first (with 7 peers 3|4, then 2|5, then 1|6). Each fault window goes into
 * the history (with its peers and details) when it starts and again when it ends, so the
 * checker knows which reads a fault excuses. Faults go through the fleet like an operator's:
 * kill -9 then restart from the same data dir, SIGSTOP/SIGCONT, partitions, delays, clock skew.
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import type { HistoryWriter } from "@p2p/checker";
import type { Fleet } from "../fleet.js";
import type { FaultKind } from "./chaos-options.js";
import type { Prng } from "./prng.js";

/** A fault window as the run reports it. */
export interface FaultRecord {
  id: number;
  kind: FaultKind;
  startMs: number;
  endMs: number;
  peers: string[];
  detail: string;
}

export interface NemesisContext {
  fleet: Fleet;
  history: HistoryWriter;
  now: () => number;
  rng: Prng;
  kinds: readonly FaultKind[];
  /** Faults so far, in order (the run shows them live). */
  faults: FaultRecord[];
  log: (obj: object, msg: string) => void;
}

/** How far a skewed clock is moved: within the max clock offset (1 s) and beyond it. */
const SKEWS_MS = [-2500, -600, 400, 800, 2500];

export async function runNemesis(c: NemesisContext, signal: AbortSignal): Promise<void> {
  let id = 0;
  let bag: FaultKind[] = [];
  const shapes = { next: 0 };
  while (!signal.aborted) {
    await sleep(c.rng.int(1000, 2500), signal);
    if (signal.aborted) break;
    const running = c.fleet.list().filter((p) => p.state === "running").map((p) => p.name);
    // Never a fault that leaves fewer than a majority running (the previous one has healed).
    if (running.length < 3) continue;
    if (bag.length === 0) bag = c.rng.shuffle(c.kinds);
    const kind = bag.shift()!;
    const record: FaultRecord = { id: ++id, kind, startMs: c.now(), endMs: 0, peers: [], detail: "" };
    let end: () => Promise<unknown>;
    try {
      end = await start(c, record, running, shapes);
    } catch (err) {
      // E.g. a peer that exited on its own meanwhile: no fault this time, the history says so.
      c.log({ kind, err: (err as Error).message }, "chaos: could not inject a fault");
      await c.fleet.faults.heal().catch(() => {});
      continue;
    }
    c.faults.push(record);
    await c.history.fault({ id: record.id, kind, start: record.startMs, peers: record.peers, detail: record.detail });
    c.log({ kind, peers: record.peers, detail: record.detail }, "chaos: fault");
    await sleep(c.rng.int(2000, 5000), signal);
    try {
      await end();
    } catch (err) {
      c.log({ kind, err: (err as Error).message }, "chaos: could not end a fault (the heal phase will)");
    } finally {
      record.endMs = c.now();
      await c.history.fault({ id: record.id, kind, start: record.startMs, end: record.endMs, peers: record.peers, detail: record.detail });
    }
  }
}

/** Starts the fault; answers what ends it. */
async function start(c: NemesisContext, r: FaultRecord, running: string[], shapes: { next: number }): Promise<() => Promise<unknown>> {
  const { fleet, rng } = c;
  switch (r.kind) {
    case "kill": {
      const peer = rng.pick(running);
      r.peers = [peer];
      r.detail = "kill -9, then restart from its data dir";
      await fleet.kill(peer);
      return () => fleet.restart(peer);
    }
    case "pause": {
      const peer = rng.pick(running);
      r.peers = [peer];
      r.detail = "SIGSTOP, then SIGCONT";
      fleet.faults.pause(peer);
      return () => fleet.faults.resume(peer);
    }
    case "partition": {
      const shuffled = rng.shuffle(running);
      const largest = Math.floor(running.length / 2);
      const minority = largest - (shapes.next++ % largest);
      const sides = [shuffled.slice(0, minority).sort(), shuffled.slice(minority).sort()];
      r.peers = running;
      r.detail = sides.map((s) => s.join(",")).join(" | ");
      await fleet.faults.partition(sides);
      return () => fleet.faults.heal();
    }
    case "skew": {
      const peer = rng.pick(running);
      const skew = rng.pick(SKEWS_MS);
      r.peers = [peer];
      r.detail = `${skew > 0 ? "+" : ""}${skew} ms`;
      await fleet.faults.setPeerFaults(peer, { clockSkewMs: skew });
      return () => fleet.faults.setPeerFaults(peer, { clockSkewMs: 0 });
    }
    case "delay": {
      const peer = rng.pick(running);
      const delayMs = rng.int(50, 400);
      r.peers = [peer];
      r.detail = `+${delayMs} ms on every call it makes`;
      await fleet.faults.setPeerFaults(peer, { delayMs });
      return () => fleet.faults.setPeerFaults(peer, { delayMs: 0 });
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the load phase is over). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal }).catch(() => undefined);
}
