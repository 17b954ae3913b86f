/**
 * AdminService SetFaults and GetFaults: the faults injected into this peer (partitions, delays,
 * clock skew), for tests and chaos runs. SetFaults works only on a peer started with
 * --fault-injection (else FAILED_PRECONDITION) and only from loopback (else PERMISSION_DENIED),
 * even for a caller with the admin token: whoever reaches the port could cut the peer off.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { FaultInjector, FaultRules } from "@p2p/dht";
import type { FaultRules as FaultRulesMsg } from "@p2p/proto/node";
import type { AdminServiceHandlers } from "./admin-service.js";
import { isLoopbackAddress, REMOTE_ADDRESS } from "./remote-address.js";

const OFF = "fault injection is off: start the peer with --fault-injection (P2P_FAULT_INJECTION=1)";

export function faultHandlers(faults: FaultInjector | undefined): AdminServiceHandlers {
  return {
    setFaults(req, ctx) {
      if (!faults) throw new ConnectError(OFF, Code.FailedPrecondition);
      // Never from the network, even with the flag: whoever reaches the port could cut the peer off.
      const from = ctx.values.get(REMOTE_ADDRESS);
      if (!isLoopbackAddress(from)) throw new ConnectError(`SetFaults is accepted only from this machine (loopback), not from ${from || "an unknown address"}`, Code.PermissionDenied);
      // Validated as a whole by the injector; INVALID_ARGUMENT names the field.
      faults.set(rulesOf(req.rules));
      return { rules: rulesMsg(faults.rules) };
    },
    getFaults() {
      if (!faults) return { enabled: false, rules: rulesMsg({ dropPeers: [], delays: [], clockSkewMs: 0 }) };
      const c = faults.counts;
      return {
        enabled: true,
        rules: rulesMsg(faults.rules),
        counts: { droppedOut: BigInt(c.droppedOut), droppedIn: BigInt(c.droppedIn), delayed: BigInt(c.delayed) },
      };
    },
  };
}

function rulesOf(msg: FaultRulesMsg | undefined): FaultRules {
  const clockSkewMs = Number(msg?.clockSkewMs ?? 0n);
  return {
    dropPeers: [...(msg?.dropPeers ?? [])],
    delays: (msg?.delays ?? []).map((d) => ({ peer: d.peerId, delayMs: d.delayMs })),
    // Out of the safe range becomes NaN-free but out of bounds, so validation names the field.
    clockSkewMs: Number.isSafeInteger(clockSkewMs) ? clockSkewMs : Number.MAX_SAFE_INTEGER,
  };
}

function rulesMsg(r: FaultRules): { dropPeers: string[]; delays: { peerId: string; delayMs: number }[]; clockSkewMs: bigint } {
  return { dropPeers: r.dropPeers, delays: r.delays.map((d) => ({ peerId: d.peer, delayMs: d.delayMs })), clockSkewMs: BigInt(r.clockSkewMs) };
}
