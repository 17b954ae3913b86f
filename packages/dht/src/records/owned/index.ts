/** Owned records (BEP 44-style): the wire format, signing and checking, and the record type. */
export {
  OWNED_PREFIX,
  OWNER_KEY_BYTES,
  OWNED_SIGNATURE_BYTES,
  MAX_SALT_BYTES,
  MAX_SEQ,
  ENVELOPE_OVERHEAD,
  ownedKey,
  ownedSignedBytes,
  encodeOwnedEnvelope,
  decodeOwnedEnvelope,
  envelopeFieldProblem,
  type OwnedEnvelope,
} from "./owned-envelope.js";
export { generateOwnerKey, parseOwnerKey, ownerPublicKey, signOwned, verifyOwned } from "./owned-signature.js";
export { ownedRecords, ownedRecord, ownedVersion, ownedProblem } from "./owned-records.js";
