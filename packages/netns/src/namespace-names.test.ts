import assert from "node:assert/strict";
import { test } from "node:test";
import { hostNames, isLeftOver, ownerOf } from "./namespace-names.js";

test("every name carries its owner PID and the interface name fits IFNAMSIZ", () => {
  const n = hostNames(4_194_303, 1295);
  assert.ok(n.observerInterface.length <= 15, n.observerInterface);
  for (const name of [n.switchNamespace, n.hostNamespace(7), n.observerInterface]) assert.equal(ownerOf(name), 4_194_303);
});

test("names of other tools and of the capability probe are never claimed", () => {
  assert.equal(ownerOf("cni-1234"), undefined);
  assert.equal(ownerOf("p2pn-probe-123"), undefined);
  assert.equal(ownerOf("eth0"), undefined);
});

test("only a dead owner's names are left-overs", () => {
  assert.equal(isLeftOver(hostNames(process.pid, 0).switchNamespace), false);
  assert.equal(isLeftOver(hostNames(process.ppid, 0).switchNamespace), false);
  // PID 2^22 + 1 is above Linux's pid_max ceiling: no such process can exist.
  assert.equal(isLeftOver(hostNames(4_194_305, 0).hostNamespace(1)), true);
});
