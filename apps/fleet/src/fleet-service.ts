import { create } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor, type ServiceImpl } from "@connectrpc/connect";
import {
  ChaosRunSchema, ChaosRunState, FleetPeerSchema, FleetService, ListPeersResponseSchema, PeerLogsResponseSchema, PeerState, RemovePeerResponseSchema,
  type ChaosRun, type FleetPeer, type PeerOptions,
} from "@p2p/proto/fleet";
import { maxSpawnPerCall, type Fleet, type FleetPeerState, type FleetPeerView } from "./fleet.js";
import type { ChaosRunView, ChaosState } from "./chaos/chaos-run.js";
import type { PeerSettingsInput } from "./peer-settings.js";
import { bearerMatches } from "./token.js";

const stateToProto: Record<FleetPeerState, PeerState> = {
  starting: PeerState.STARTING,
  running: PeerState.RUNNING,
  stopping: PeerState.STOPPING,
  stopped: PeerState.STOPPED,
  crashed: PeerState.CRASHED,
};

/** PeerLogs serves at most this many lines; 200 when the request says 0. */
export const maxLogLines = 1000;
const defaultLogLines = 200;

function toProto(v: FleetPeerView): FleetPeer {
  return create(FleetPeerSchema, {
    ...v,
    state: stateToProto[v.state],
    startedAtMs: BigInt(v.startedAtMs),
    uptimeMs: BigInt(v.uptimeMs),
    faults: { ...v.faults, clockSkewMs: BigInt(v.faults.clockSkewMs) },
  });
}

const chaosStateToProto: Record<ChaosState, ChaosRunState> = {
  running: ChaosRunState.RUNNING,
  healing: ChaosRunState.HEALING,
  checking: ChaosRunState.CHECKING,
  passed: ChaosRunState.PASSED,
  failed: ChaosRunState.FAILED,
  error: ChaosRunState.ERROR,
};

function chaosToProto(v: ChaosRunView, details = true): ChaosRun {
  return create(ChaosRunSchema, {
    id: v.id,
    seed: BigInt(v.options.seed),
    seconds: v.options.seconds,
    clients: v.options.clients,
    keys: v.options.keys,
    state: chaosStateToProto[v.state],
    startedAtMs: BigInt(v.startedAtMs),
    endedAtMs: BigInt(v.endedAtMs),
    historyPath: v.historyPath,
    ops: BigInt(v.counts.ops),
    opsOk: BigInt(v.counts.ok),
    opsFailed: BigInt(v.counts.fail),
    opsUnknown: BigInt(v.counts.unknown),
    faults: v.faults.map((f) => ({ kind: f.kind, startMs: BigInt(Math.round(f.startMs)), endMs: BigInt(Math.round(f.endMs)), peers: f.peers, detail: f.detail })),
    anomalies: v.anomalies,
    anomalyLines: details ? v.anomalyLines : [],
    verdict: details ? v.verdict : "",
    error: v.error,
    staleDuringFaults: v.staleDuringFaults,
    okPerSecond: v.counts.okPerSecond,
    errorsPerSecond: v.counts.errorsPerSecond,
    anomalyAtMs: v.anomalyAtMs.map((ms) => BigInt(ms)),
  });
}

/** An int64 from the wire as a number, or INVALID_ARGUMENT naming the field. */
function safeNumber(v: bigint, field: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ConnectError(`${field}: out of range, got ${v}`, Code.InvalidArgument);
  return Number(v);
}

function toSettings(o: PeerOptions | undefined): PeerSettingsInput {
  if (!o) return {};
  const s: PeerSettingsInput = {};
  if (o.replicationFactor !== undefined) s.replicationFactor = o.replicationFactor;
  if (o.writeQuorum !== undefined) s.writeQuorum = o.writeQuorum;
  if (o.readQuorum !== undefined) s.readQuorum = o.readQuorum;
  if (o.maxValueBytes !== undefined) {
    if (o.maxValueBytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConnectError("options.maxValueBytes: too large", Code.InvalidArgument);
    s.maxValueBytes = Number(o.maxValueBytes);
  }
  if (o.logLevel !== undefined) s.logLevel = o.logLevel;
  // Checked against "strong" | "weak" by the schema in Fleet.spawn (options.consistency: ...).
  if (o.consistency !== undefined) s.consistency = o.consistency as PeerSettingsInput["consistency"];
  return s;
}

/** FleetService backed by a Fleet. Input is validated here or in Fleet; errors are ConnectErrors. */
export function fleetServiceImpl(fleet: Fleet): ServiceImpl<typeof FleetService> {
  return {
    listPeers() {
      return create(ListPeersResponseSchema, { peers: fleet.list().map(toProto), maxPeers: fleet.maxPeers });
    },
    async spawnPeers(req) {
      if (req.count < 1 || req.count > maxSpawnPerCall) {
        throw new ConnectError(`count: must be from 1 to ${maxSpawnPerCall} per call, got ${req.count}`, Code.InvalidArgument);
      }
      return { peers: (await fleet.spawn(req.count, toSettings(req.options))).map(toProto) };
    },
    async stopPeer(req) {
      return { peer: toProto(await fleet.stop(req.peer)) };
    },
    async killPeer(req) {
      return { peer: toProto(await fleet.kill(req.peer)) };
    },
    async restartPeer(req) {
      return { peer: toProto(await fleet.restart(req.peer)) };
    },
    async removePeer(req) {
      return create(RemovePeerResponseSchema, { name: await fleet.remove(req.peer) });
    },
    async partition(req) {
      await fleet.faults.partition(req.groups.map((g) => g.peers));
      return { peers: fleet.list().map(toProto) };
    },
    async heal() {
      await fleet.faults.heal();
      return { peers: fleet.list().map(toProto) };
    },
    async setPeerFaults(req) {
      const faults: { delayMs?: number; clockSkewMs?: number } = {};
      if (req.delayMs !== undefined) faults.delayMs = req.delayMs;
      if (req.clockSkewMs !== undefined) faults.clockSkewMs = safeNumber(req.clockSkewMs, "clockSkewMs");
      await fleet.faults.setPeerFaults(req.peer, faults);
      return { peer: toProto(fleet.get(req.peer)) };
    },
    pausePeer(req) {
      fleet.faults.pause(req.peer);
      return { peer: toProto(fleet.get(req.peer)) };
    },
    async resumePeer(req) {
      await fleet.faults.resume(req.peer);
      return { peer: toProto(fleet.get(req.peer)) };
    },
    startChaos(req) {
      return { run: chaosToProto(fleet.chaos.start({ seed: req.seed, seconds: req.seconds, clients: req.clients, keys: req.keys, faults: req.faults })) };
    },
    getChaosRun(req) {
      return { run: chaosToProto(fleet.chaos.get(req.id).view()) };
    },
    listChaosRuns() {
      return { runs: fleet.chaos.list().map((v) => chaosToProto(v, false)) };
    },
    stopChaos() {
      return { run: chaosToProto(fleet.chaos.stop().view()) };
    },
    peerLogs(req) {
      if (req.limit > maxLogLines) throw new ConnectError(`limit: at most ${maxLogLines}, got ${req.limit}`, Code.InvalidArgument);
      return create(PeerLogsResponseSchema, { lines: fleet.logs(req.peer, req.limit || defaultLogLines) });
    },
  };
}

/**
 * Refuses every call unless it carries `authorization: Bearer <token>`. Installed only when the
 * controller listens beyond loopback: there even its reads (peer addresses, logs, chaos
 * histories) are for the operator only.
 */
export function requireToken(token: string): Interceptor {
  return (next) => async (req) => {
    if (!bearerMatches(req.header.get("authorization"), token)) {
      throw new ConnectError(
        `${req.method.name} needs the fleet token: send "authorization: Bearer <token>" (the token is in the fleet directory's "token" file)`,
        Code.Unauthenticated,
      );
    }
    return next(req);
  };
}
