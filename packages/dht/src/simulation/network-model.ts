/**
 * A WAN model for the in-memory network: per-link latency, message loss and partitions, plugged
 * into MemoryNetwork through its `messageFate` option (`new MemoryNetwork({ messageFate:
 * model.fate })`). Deterministic given the seed: a link's RTT is a hash of the seed and the two
 * IDs, and the loss draws come from a seeded stream in send order (which virtual time keeps
 * fixed from run to run; see virtual-clock.ts).
 *
 * The model, precisely:
 * - Latency: every unordered pair of nodes {a, b} has one round-trip time, drawn once from a
 *   log-normal distribution: RTT = median · exp(σ·z), z ~ N(0, 1), with σ = ln(p99 / median) /
 *   2.3263 so that the 99th percentile over links is `rttP99Ms`. Defaults: median 80 ms, p99
 *   300 ms, which puts p1 at ≈ 21 ms and p99.9 at ≈ 460 ms: the spread of public Internet paths
 *   between random hosts (same-continent tens of ms, intercontinental 150–300 ms, a tail of
 *   poor last miles). A message takes half its link's RTT one way, times (1 + jitter·u) with u
 *   uniform in [0, 1) per message (jitter 0 by default: fixed paths, no queueing). Links are
 *   independent of each other: there is no geography, so no triangle inequality — which does
 *   not matter to Kademlia, whose routing ignores proximity.
 * - Loss: each message — a request, or the reply to one — is lost independently with
 *   probability `loss`. A lost request never reaches the handler; a lost reply is lost after the
 *   handler ran (a Store it carried is applied). Either way the caller hears nothing and its own
 *   deadline ends the call with DEADLINE_EXCEEDED, so a call fails with probability
 *   1 − (1 − loss)². There is no retransmission: this is UDP Kademlia's message loss, or a gRPC
 *   call whose connection stalls past the deadline. Over TCP a single lost segment is
 *   retransmitted (after ≥ 200 ms) rather than failing the call, so for gRPC peers these
 *   figures are the pessimistic bound.
 * - Partitions: nodes are split into sides; a message between different sides is dropped like
 *   a lost one (black-holed, not refused: the caller waits for its deadline), in both directions.
 */
import type { Contact, NodeId } from "../types.js";
import { seededRandom, type SeededRandom } from "./seeded-random.js";

/** z of the 99th percentile of N(0, 1). */
const Z99 = 2.326347874;

export interface NetworkModelOptions {
  /** Seed of the link RTTs and of the loss and jitter draws. */
  seed: string | number;
  /** Median round-trip time over links, ms. Default 80. */
  rttMedianMs?: number;
  /** 99th percentile of the round-trip time over links, ms (> median). Default 300. */
  rttP99Ms?: number;
  /** Each message's one-way delay is RTT/2 · (1 + jitter·u), u uniform in [0, 1). Default 0. */
  jitter?: number;
  /** Probability that one message (request or reply) is lost, in [0, 1). Default 0. Can change live. */
  loss?: number;
}

/** Messages the model has decided on, by fate. */
export interface MessageCounts {
  delivered: number;
  /** Dropped by the loss draw. */
  lost: number;
  /** Dropped because sender and receiver are on different sides of a partition. */
  cut: number;
}

/** FNV-1a of a string, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finaliser: a bijective 32-bit mix. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export class NetworkModel {
  readonly rttMedianMs: number;
  readonly rttP99Ms: number;
  readonly jitter: number;
  /** σ of ln(RTT). */
  readonly sigma: number;
  readonly counts: MessageCounts = { delivered: 0, lost: 0, cut: 0 };
  private readonly seedHash: number;
  private readonly draws: SeededRandom;
  private readonly nodeHashes = new Map<NodeId, number>();
  /** Side of each partitioned node; nodes not listed are together on side -1. Undefined: no partition. */
  private sides: Map<NodeId, number> | undefined;
  #loss = 0;

  constructor(options: NetworkModelOptions) {
    this.rttMedianMs = options.rttMedianMs ?? 80;
    this.rttP99Ms = options.rttP99Ms ?? 300;
    this.jitter = options.jitter ?? 0;
    this.loss = options.loss ?? 0;
    if (!(this.rttMedianMs > 0)) throw new RangeError(`rttMedianMs: must be positive, got ${this.rttMedianMs}`);
    if (!(this.rttP99Ms > this.rttMedianMs)) throw new RangeError(`rttP99Ms: must exceed rttMedianMs (${this.rttMedianMs}), got ${this.rttP99Ms}`);
    if (!(this.jitter >= 0)) throw new RangeError(`jitter: must be ≥ 0, got ${this.jitter}`);
    this.sigma = Math.log(this.rttP99Ms / this.rttMedianMs) / Z99;
    this.seedHash = fnv1a(`rtt:${options.seed}`);
    this.draws = seededRandom(`messages:${options.seed}`);
  }

  /** Probability that one message is lost, in [0, 1); may change between (or during) workloads. */
  get loss(): number {
    return this.#loss;
  }
  set loss(p: number) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`loss: must be in [0, 1), got ${p}`);
    this.#loss = p;
  }

  /** The round-trip time of the link between `a` and `b`, ms (symmetric, fixed for the seed). */
  rttMs(a: NodeId, b: NodeId): number {
    const ha = this.nodeHash(a);
    const hb = this.nodeHash(b);
    const pair = mix32((ha < hb ? ha : hb) ^ mix32((ha < hb ? hb : ha) + this.seedHash));
    // Box–Muller from two uniforms derived from the pair: u1 in (0, 1], u2 in [0, 1).
    const u1 = (mix32(pair ^ 0x9e3779b9) + 1) / 4294967296;
    const u2 = mix32(pair ^ 0x7f4a7c15) / 4294967296;
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return this.rttMedianMs * Math.exp(this.sigma * z);
  }

  /**
   * Splits the network: each group is cut off from every node outside it; nodes in no group
   * form one more side together. Replaces any partition in force.
   */
  partition(groups: Iterable<Iterable<NodeId>>): void {
    const sides = new Map<NodeId, number>();
    let side = 0;
    for (const group of groups) {
      for (const id of group) sides.set(id, side);
      side++;
    }
    this.sides = sides;
  }

  /** Ends the partition in force. */
  heal(): void {
    this.sides = undefined;
  }

  /** Whether `a` and `b` can reach each other (same side, or no partition). */
  connected(a: NodeId, b: NodeId): boolean {
    return !this.sides || (this.sides.get(a) ?? -1) === (this.sides.get(b) ?? -1);
  }

  /**
   * MemoryNetwork's `messageFate`: the one-way delay of a message from `from` to `to`, in ms, or
   * null when it is lost (cut by the partition, or dropped by the loss draw).
   */
  readonly fate = (from: Contact, to: Contact): number | null => {
    if (!this.connected(from.id, to.id)) {
      this.counts.cut++;
      return null;
    }
    if (this.#loss > 0 && this.draws() < this.#loss) {
      this.counts.lost++;
      return null;
    }
    this.counts.delivered++;
    const oneWay = this.rttMs(from.id, to.id) / 2;
    return this.jitter > 0 ? oneWay * (1 + this.jitter * this.draws()) : oneWay;
  };

  /** A plain-words statement of the model, for reports. */
  describe(): string {
    const q = (p: number) => Math.round(this.rttMedianMs * Math.exp(this.sigma * p));
    return (
      `per-link RTT log-normal, median ${this.rttMedianMs} ms, p99 ${this.rttP99Ms} ms (σ = ${this.sigma.toFixed(3)}; p1 ≈ ${q(-Z99)} ms, p99.9 ≈ ${q(3.090232)} ms), ` +
      `one way = RTT/2${this.jitter > 0 ? ` · (1 + ${this.jitter}·U[0,1))` : ", no jitter"}, no queueing or bandwidth cost; ` +
      `each message (request or reply) lost independently with the stated probability, a lost one ending the call at the caller's deadline (no retransmission)`
    );
  }

  private nodeHash(id: NodeId): number {
    let h = this.nodeHashes.get(id);
    if (h === undefined) {
      h = fnv1a(id);
      this.nodeHashes.set(id, h);
    }
    return h;
  }
}
