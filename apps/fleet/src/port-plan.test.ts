import assert from "node:assert/strict";
import { test } from "node:test";
import { freePortFrom, PORT_SEARCH_SPAN, portOf, wantedPort } from "./port-plan.js";

test("peer-N wants base+N; a previous port wins; no base or an odd name means any", () => {
  assert.equal(wantedPort("peer-0", undefined, 8001), 8001);
  assert.equal(wantedPort("peer-4", undefined, 8001), 8005);
  assert.equal(wantedPort("peer-4", 8123, 8001), 8123);
  assert.equal(wantedPort("peer-4", undefined, 0), 0);
  assert.equal(wantedPort("worker", undefined, 8001), 0);
  assert.equal(wantedPort("peer-70000", undefined, 8001), 0);
});

test("the first port from the wanted one that is neither held by a sibling nor bound", async () => {
  const bound = new Set([8001, 8003]);
  const isFree = async (_host: string, port: number) => !bound.has(port);
  assert.equal(await freePortFrom("127.0.0.1", 8001, new Set([8002]), isFree), 8004);
  assert.equal(await freePortFrom("127.0.0.1", 8002, new Set(), isFree), 8002);
  assert.equal(await freePortFrom("127.0.0.1", 0, new Set(), isFree), 0);
});

test("gives up (0: the OS picks) after a bounded search", async () => {
  let asked = 0;
  const never = async () => {
    asked++;
    return false;
  };
  assert.equal(await freePortFrom("127.0.0.1", 8001, new Set(), never), 0);
  assert.equal(asked, PORT_SEARCH_SPAN);
  assert.equal(await freePortFrom("127.0.0.1", 65535, new Set(), never), 0);
});

test("portOf reads the port of host:port and of [v6]:port", () => {
  assert.equal(portOf("127.0.0.1:8001"), 8001);
  assert.equal(portOf("[::1]:9001"), 9001);
  assert.equal(portOf(""), undefined);
  assert.equal(portOf("host"), undefined);
});
