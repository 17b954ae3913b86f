/**
 * What a peer that leaves still answers. From the moment leave() is called it takes no more
 * writes and no routing traffic: a record stored on it after its hand-off took stock would be
 * acknowledged and then lost with it, and a Ping or FindNode it answered would teach the
 * caller (or a neighbour re-probing it) that it is alive, so lookups would pick it as a
 * replica again. Reads stay open while its records are being handed off (it still holds the
 * newest copies it was given); once the hand-off is over it refuses those too, since its
 * copies go stale from then on. Only Goodbye is always answered: it changes nothing here.
 */
import { DhtError } from "../errors.js";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import type { PeerMethod } from "../rpc/peer-rpc.js";

export type DeparturePhase = "member" | "leaving" | "left";

/** Calls a leaving peer still answers: reads of what it holds, and goodbyes. */
const WHILE_LEAVING: ReadonlySet<PeerMethod> = new Set<PeerMethod>(["findValue", "findValueMany", "fetchRecords", "syncDigest", "syncKeys", "fetchChunk", "goodbye"]);
/** Calls a peer that has left still answers. */
const AFTER_LEFT: ReadonlySet<PeerMethod> = new Set<PeerMethod>(["goodbye"]);

/** A node's place in the network: a member, leaving (hand-off under way), or gone. */
export class Departure {
  #phase: DeparturePhase = "member";

  get phase(): DeparturePhase {
    return this.#phase;
  }

  /** leave() was called: no more writes or routing calls. */
  begin(): void {
    if (this.#phase === "member") this.#phase = "leaving";
  }

  /** The hand-off is over (done or given up): nothing but goodbyes. */
  end(): void {
    this.#phase = "left";
  }

  /** Whether a call of `method` is still answered. */
  answers(method: PeerMethod): boolean {
    if (this.#phase === "member") return true;
    return (this.#phase === "leaving" ? WHILE_LEAVING : AFTER_LEFT).has(method);
  }
}

/** Refuses, with UNAVAILABLE (what a caller treats as a peer that is gone), what `departure` no longer answers. */
export function departureInterceptor(departure: Departure): ServerInterceptor {
  return (next) => (call) => {
    if (departure.answers(call.method)) return next(call);
    const state = departure.phase === "leaving" ? "is leaving" : "has left";
    return Promise.reject(DhtError.unavailable(`this peer ${state} the network: it no longer answers ${call.method}`));
  };
}
