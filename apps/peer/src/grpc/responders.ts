/**
 * Who answered a call. Every reply carries its sender's signed contact; it must verify and be
 * the peer we meant to reach (a stale address, e.g. a restarted peer with a new identity on
 * the same port, is caught instead of poisoning the routing table). The last contact each
 * peer proved for itself is kept (most recently heard stay, bounded), so the routing table
 * learns a peer's addresses from the peer, never from a third party's reply
 * (KademliaComponents.provenContact). Shared by the unary calls and the chunk streams.
 */
import type { SignedContact } from "@p2p/proto/peer";
import { DhtError } from "@p2p/dht";
import type { Contact, NodeId } from "@p2p/dht";
import type { ContactVerifier } from "../identity/signed-contact.js";

export class Responders {
  readonly #proven = new Map<NodeId, Contact>();

  constructor(
    private readonly verifier: ContactVerifier,
    /** Peers whose proven contact is remembered at most. */
    private readonly maxRemembered: number,
  ) {
    if (!Number.isInteger(maxRemembered) || maxRemembered < 1) throw new RangeError(`Responders: maxRemembered must be an integer ≥ 1, got ${maxRemembered}`);
  }

  /** The contact a reply from `address` proves, or a DhtError naming the address. */
  verify(address: string, sender: SignedContact | undefined): Contact {
    try {
      return this.verifier.verify(sender, "response.sender");
    } catch (err) {
      const e = DhtError.from(err);
      throw new DhtError(`peer at ${address}: ${e.message}`, e.code, { cause: err });
    }
  }

  /** Checks that the reply came from `to.id`, and remembers the contact it proved. */
  check(to: Contact, sender: SignedContact | undefined): void {
    const responder = this.verify(to.address, sender);
    if (responder.id !== to.id) throw DhtError.failedPrecondition(`peer at ${to.address} is ${responder.id}, not ${to.id}`);
    this.#proven.delete(responder.id);
    this.#proven.set(responder.id, responder);
    if (this.#proven.size > this.maxRemembered) this.#proven.delete(this.#proven.keys().next().value!);
  }

  /** The contact `id` signed in its last reply, if still remembered. */
  provenContact(id: NodeId): Contact | undefined {
    return this.#proven.get(id);
  }
}
