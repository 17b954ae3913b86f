import assert from "node:assert/strict";
import { test } from "node:test";
import { connectivityState } from "@grpc/grpc-js";
import { ChannelPool } from "./channel-pool.js";

const isShutDown = (lease: { client: { getChannel(): { getConnectivityState(b: boolean): number } } }) =>
  lease.client.getChannel().getConnectivityState(false) === connectivityState.SHUTDOWN;

test("a retired channel leaves the pool at once and closes when its last call ends", () => {
  const pool = new ChannelPool(8, {});
  try {
    const first = pool.acquire("127.0.0.1:1");
    const second = pool.acquire("127.0.0.1:1");
    assert.equal(second.client, first.client, "one channel per address");
    pool.retire("127.0.0.1:1", first.client);
    const fresh = pool.acquire("127.0.0.1:1");
    assert.notEqual(fresh.client, first.client, "the next call gets a new channel");
    first.release();
    assert.equal(isShutDown(second), false, "still open: a call is in flight on it");
    second.release();
    assert.equal(isShutDown(second), true);
    assert.equal(pool.retired, 1);
    fresh.release();
  } finally {
    pool.close();
  }
});

test("retiring a channel that was already replaced leaves the new one alone", () => {
  const pool = new ChannelPool(8, {});
  try {
    const old = pool.acquire("127.0.0.1:2");
    pool.retire("127.0.0.1:2", old.client);
    const current = pool.acquire("127.0.0.1:2");
    // A second call that failed on the old channel reports late.
    pool.retire("127.0.0.1:2", old.client);
    assert.equal(pool.acquire("127.0.0.1:2").client, current.client);
    assert.equal(pool.retired, 1);
  } finally {
    pool.close();
  }
});
