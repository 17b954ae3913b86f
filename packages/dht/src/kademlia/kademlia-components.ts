/** What a KademliaNode is built from: its contact, its transport, and the listeners of its table and lookups. */
import type { Transport } from "../rpc/peer-rpc.js";
import type { Clock, Contact, Logger } from "../types.js";
import type { LookupListener } from "./lookup-events.js";

export interface KademliaComponents {
  /** This node's contact; never stored in its own table. */
  self: Contact;
  transport: Transport;
  clock?: Clock;
  logger?: Logger;
  /** Floats in [0, 1), for refresh targets; seed it for reproducible simulations. Default crypto randomness. */
  random?: () => number;
  /** Receives every lookup's events (logs, metrics, dashboard trace). */
  onLookupEvent?: LookupListener;
  /** A contact joined the table (from any message, a lookup or a probe): replica sets changed. */
  onContactAdded?: (contact: Contact) => void;
  /** Called each time a contact is heard from directly (it called us, or answered us). */
  onContactHeard?: (contact: Contact) => void;
  /**
   * The contact a peer proved for itself in its last answer (its own signed addresses), for one
   * we reached: what the table learns instead of the addresses a third party's reply gave for it.
   * Default: the contact as dialled (a transport whose replies carry no contacts of their own).
   */
  provenContact?: (dialled: Contact) => Contact | undefined;
}
