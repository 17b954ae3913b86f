import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { callWithRetries, retryAfterMs, transientCallFailure } from "./retry.js";

type R = { key: string; error?: { code: string; message: string } };
const policy = (retries = 3) => ({ retries, baseDelayMs: 1 });
const none = () => undefined;

test("a batch that timed out as a whole is retried as two halves", async () => {
  const calls: string[][] = [];
  const results = await callWithRetries(
    ["a", "b", "c", "d", "e"],
    async (keys) => {
      calls.push(keys);
      if (keys.length > 3) throw new ConnectError("put_many: no answer within the request deadline of 5000 ms", Code.DeadlineExceeded);
      return keys.map((key): R => ({ key }));
    },
    none,
    policy(),
  );
  assert.deepEqual(calls, [["a", "b", "c", "d", "e"], ["a", "b", "c"], ["d", "e"]]);
  assert.deepEqual(results.map((r) => r.key), ["a", "b", "c", "d", "e"]);
});

test("keys that failed as unavailable are retried alone, in place; rejected keys are final", async () => {
  const calls: string[][] = [];
  let first = true;
  const results = await callWithRetries(
    ["a", "b", "c"],
    async (keys) => {
      calls.push(keys);
      const out = keys.map((key): R => (first && key !== "b" ? { key, error: { code: key === "a" ? "unavailable" : "invalid_argument", message: "x" } } : { key }));
      first = false;
      return out;
    },
    none,
    policy(),
  );
  assert.deepEqual(calls, [["a", "b", "c"], ["a"]]);
  assert.deepEqual(results, [{ key: "a" }, { key: "b" }, { key: "c", error: { code: "invalid_argument", message: "x" } }]);
});

test("retries run out: the last answer stands, or the call's error is thrown; content refusals fail the keys", async () => {
  let n = 0;
  const down = async (): Promise<R[]> => {
    n++;
    throw new ConnectError("peer unavailable", Code.Unavailable);
  };
  await assert.rejects(callWithRetries(["a"], down, none, policy(2)), /peer unavailable/);
  assert.equal(n, 3, "1 try + 2 retries");
  const tooBig = async (): Promise<R[]> => {
    throw new ConnectError("message too large", Code.ResourceExhausted);
  };
  const failed = await callWithRetries(["a", "b"], tooBig, (keys) => keys.map((key) => ({ key, error: { code: "resource_exhausted", message: "whole batch refused" } })), policy());
  assert.equal(failed.length, 2);
  let m = 0;
  const stillDown = await callWithRetries(["k"], async () => (m++, [{ key: "k", error: { code: "unavailable", message: "quorum" } }]), none, policy(1));
  assert.equal(m, 2);
  assert.equal(stillDown[0]!.error?.code, "unavailable");
});

test("a rate limit is transient and waits its Retry-After; a plain resource_exhausted is not", () => {
  const limited = new ConnectError("rate limited", Code.ResourceExhausted, new Headers({ "retry-after": "2" }));
  assert.equal(retryAfterMs(limited), 2000);
  assert.equal(transientCallFailure(limited), true);
  assert.equal(transientCallFailure(new ConnectError("too large", Code.ResourceExhausted)), false);
  assert.equal(transientCallFailure(new ConnectError("late", Code.DeadlineExceeded)), true);
  assert.equal(transientCallFailure(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })), true);
});
