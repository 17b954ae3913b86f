import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerProcess } from "@p2p/launcher";
import { exitPhase, IllegalTransition, liveProcess, nextPhase, restoredPhase, visibleState, type PeerPhase } from "./peer-phase.js";

/** A stand-in for a process: only `exit` and `pid` are read by the phase functions. */
const proc = (exited = false) => ({ pid: 42, exit: exited ? { code: 0, signal: null } : undefined }) as unknown as PeerProcess & { exit: unknown };
const exit = (p: PeerProcess) => void ((p as { exit: unknown }).exit = { code: 0, signal: null });

test("a peer's life: stopped → starting → running → stopping (stop) → stopped", () => {
  let p: PeerPhase = restoredPhase("stopped", "");
  const process = proc();
  p = nextPhase(p, { t: "starting", process, startedAtMs: 1 });
  assert.equal(visibleState(p), "starting");
  assert.equal(liveProcess(p), process);
  p = nextPhase(p, { t: "running", process, startedAtMs: 1 });
  p = nextPhase(p, { t: "stopping", process, startedAtMs: 1, how: "stop" });
  assert.equal(visibleState(p), "stopping");
  assert.throws(() => nextPhase(p, exitPhase(p, "code 0")), IllegalTransition, "no process-less phase before the exit");
  exit(process);
  p = nextPhase(p, exitPhase(p, "code 0"));
  assert.deepEqual(p, { t: "stopped", lastExit: "code 0" });
  assert.equal(liveProcess(p), undefined);
});

test("an exit nobody asked for, or a kill, ends as crashed; a stop escalated to a kill too", () => {
  const process = proc();
  const running: PeerPhase = { t: "running", process, startedAtMs: 1 };
  assert.equal(exitPhase(running, "SIGSEGV").t, "crashed");
  assert.equal(exitPhase({ t: "starting", process, startedAtMs: 1 }, "code 1").t, "crashed");
  const stopping: PeerPhase = { t: "stopping", process, startedAtMs: 1, how: "stop" };
  const killed = nextPhase(stopping, { t: "stopping", process, startedAtMs: 1, how: "kill" });
  assert.equal(exitPhase(killed, "SIGKILL").t, "crashed");
  assert.equal(exitPhase(stopping, "code 0").t, "stopped");
});

test("illegal changes are refused: no running without starting, no start of a live process, no stop of a stopped peer", () => {
  const process = proc();
  assert.throws(() => nextPhase({ t: "stopped", lastExit: "" }, { t: "running", process, startedAtMs: 1 }), IllegalTransition);
  assert.throws(() => nextPhase({ t: "running", process, startedAtMs: 1 }, { t: "starting", process, startedAtMs: 2 }), IllegalTransition);
  assert.throws(() => nextPhase({ t: "crashed", lastExit: "" }, { t: "stopping", process, startedAtMs: 1, how: "stop" }), IllegalTransition);
  assert.throws(() => nextPhase({ t: "stopping", process, startedAtMs: 1, how: "stop" }, { t: "running", process, startedAtMs: 1 }), IllegalTransition);
  // A phase is about one process: another one cannot take over mid-life.
  assert.throws(() => nextPhase({ t: "starting", process, startedAtMs: 1 }, { t: "running", process: proc(), startedAtMs: 1 }), IllegalTransition);
});

test("after a controller restart a peer shows crashed if it had crashed, else stopped; an exited process is not live", () => {
  assert.equal(restoredPhase("crashed", "SIGKILL").t, "crashed");
  for (const s of ["starting", "running", "stopping", "stopped"] as const) assert.equal(restoredPhase(s, "").t, "stopped");
  assert.equal(liveProcess({ t: "running", process: proc(true), startedAtMs: 1 }), undefined);
});
