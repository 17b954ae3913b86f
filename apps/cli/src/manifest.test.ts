import { test } from "node:test";
import assert from "node:assert/strict";
import { CliError } from "./errors.js";
import { fileIdOf } from "@p2p/dht";
import { checkManifest, type Manifest } from "./manifest.js";

// IDs computed by packages/dht's fileIdOf: the CLI must hash manifests exactly as the peers do.
const photo: Manifest = { name: "photo.jpg", size: 2500, mediaType: "image/jpeg", chunkSize: 1000, chunks: ["a".repeat(64), "b".repeat(64), "c".repeat(64)] };
const PHOTO_ID = "8820a9b186b0130f5125fcdf0b2341911b564ea937fafbbe495c83f1065aa84c";
const empty: Manifest = { name: "é.bin", size: 0, mediaType: "application/octet-stream", chunkSize: 1048576, chunks: [] };
const EMPTY_ID = "51f65e586ff4c65f1db345ebeb46a8c8a3f7a19459b94a4b0459f1b3adfd5e8a";

test("file IDs hash the canonical manifest exactly as the peers do", () => {
  assert.equal(fileIdOf(photo), PHOTO_ID);
  assert.equal(fileIdOf(empty), EMPTY_ID);
  checkManifest(PHOTO_ID, photo);
  checkManifest(EMPTY_ID, empty);
});

test("a manifest that does not hash to its ID, or lists the wrong chunk count, is corrupt (exit 6)", () => {
  const corrupt = (fn: () => void, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof CliError && e.exitCode === 6 && re.test(e.message));
  corrupt(() => checkManifest(PHOTO_ID, { ...photo, chunks: ["a".repeat(64), "b".repeat(64), "d".repeat(64)] }), /does not hash to its ID/);
  const short = { ...photo, chunks: photo.chunks.slice(0, 2) };
  corrupt(() => checkManifest(fileIdOf(short), short), /lists 2 chunks for 2500 bytes/);
});
