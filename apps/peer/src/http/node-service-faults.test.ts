import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { FaultInjector } from "@p2p/dht";
import { faultHandlers } from "./node-service-faults.js";
import { isLoopbackAddress, REMOTE_ADDRESS } from "./remote-address.js";

const from = (address: string) => ({ values: createContextValues().set(REMOTE_ADDRESS, address) }) as unknown as HandlerContext;
const rules = { dropPeers: [], delays: [], clockSkewMs: 1000n };

test("loopback addresses: 127/8, ::1 and IPv4-mapped; nothing else", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackAddress(a), a);
  for (const a of ["10.0.0.5", "::ffff:10.0.0.5", "fe80::1", "", "128.0.0.1", "::"]) assert.ok(!isLoopbackAddress(a), a);
});

test("SetFaults: refused from another machine even with --fault-injection; applied from loopback", async () => {
  const faults = new FaultInjector();
  const h = faultHandlers(faults);
  await assert.rejects(
    Promise.resolve().then(() => h.setFaults!({ rules } as never, from("10.0.0.5"))),
    (e: unknown) => e instanceof ConnectError && e.code === Code.PermissionDenied && /only from this machine/.test(e.rawMessage),
  );
  assert.equal(faults.active, false, "nothing applied");
  await h.setFaults!({ rules } as never, from("127.0.0.1"));
  assert.equal(faults.rules.clockSkewMs, 1000);
});

test("SetFaults without --fault-injection is FAILED_PRECONDITION naming the flag", async () => {
  await assert.rejects(
    Promise.resolve().then(() => faultHandlers(undefined).setFaults!({ rules } as never, from("127.0.0.1"))),
    (e: unknown) => e instanceof ConnectError && e.code === Code.FailedPrecondition && /--fault-injection/.test(e.rawMessage),
  );
});
