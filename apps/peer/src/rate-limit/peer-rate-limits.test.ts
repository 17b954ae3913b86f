import assert from "node:assert/strict";
import { test } from "node:test";
import type { IncomingMessage } from "node:http";
import { createPeerRateLimits } from "./peer-rate-limits.js";

const request = (address: string) => ({ url: "/get_data/k", socket: { remoteAddress: address } }) as unknown as IncomingMessage;

test("both limits come from the settings, count refusals per surface, and follow a reload", () => {
  const counted: string[] = [];
  const settings = { httpRateLimit: 1, httpRateBurst: 2, peerRateLimit: 1, peerRateBurst: 1, rateLimitMaxClients: 1 };
  const limits = createPeerRateLimits(settings, {
    countRateLimited: (surface, bucket) => counted.push(`${surface}:${bucket}`),
    countRateLimitOverflow: (surface) => counted.push(`${surface}:overflow-charged`),
  });
  const refused = (address: string) => {
    const req = request(address);
    limits.http.check(req);
    return limits.http.refusalOf(req);
  };
  assert.equal(refused("10.0.0.1"), undefined);
  assert.equal(refused("10.0.0.1"), undefined);
  assert.match(refused("10.0.0.1")!.message, /^rate limit: more than 1 requests\/s from 10\.0\.0\.1; retry after 1 s$/);
  // A second client beyond the cap of 1 is charged to the overflow bucket.
  refused("10.0.0.2");
  refused("10.0.0.2");
  assert.match(refused("10.0.0.2")!.message, /from clients beyond the 1 this peer tracks \(10\.0\.0\.2 among them\)/);
  assert.equal(limits.peer.buckets.take("p").allowed, true);
  assert.equal(limits.peer.buckets.take("p").allowed, false);
  limits.peer.onLimited?.("client");
  assert.deepEqual(counted, ["http:client", "http:overflow-charged", "http:overflow-charged", "http:overflow-charged", "http:overflow", "peer:client"]);

  limits.apply({ ...settings, httpRateLimit: 0, peerRateLimit: 0 });
  assert.equal(refused("10.0.0.1"), undefined, "0 turns the HTTP limit off");
  assert.equal(limits.peer.buckets.take("p").allowed, true, "0 turns the peer limit off");
});
