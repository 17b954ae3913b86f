import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { namespacesUnavailable, partitionsUnavailable } from "./capability.js";
import { createTestHosts, type TestHosts } from "./test-hosts.js";

const exec = promisify(execFile);
const skip = await namespacesUnavailable();
const noPartitions = await partitionsUnavailable();
if (skip) console.log(`# netns: skipped: ${skip}`);
else if (noPartitions) console.log(`# netns partitions: skipped: ${noPartitions}`);

/** A TCP server on `host` that answers its own address, started through the host's prefix. */
const SERVER = `const a=process.argv[1];require("net").createServer(c=>c.end(a)).listen(7000,a,()=>console.log("up"))`;
/** Connects from inside a host (or from here with no prefix); answers what the server said, or the error code. */
const CLIENT = `const s=require("net").connect(7000,process.argv[1]);s.setTimeout(700,()=>{console.log("TIMEOUT");process.exit(0)});let d="";s.on("data",x=>d+=x);s.on("end",()=>{console.log(d);process.exit(0)});s.on("error",e=>{console.log(e.code);process.exit(0)})`;

async function reach(prefix: readonly string[], address: string): Promise<string> {
  const [cmd, ...args] = [...prefix, process.execPath, "-e", CLIENT, address];
  return (await exec(cmd!, args, { timeout: 5000 })).stdout.trim();
}

describe("test hosts in network namespaces", { skip }, () => {
  let net: TestHosts;
  const servers: ChildProcess[] = [];

  before(async () => {
    net = await createTestHosts({ count: 3 });
    for (const h of net.hosts) {
      const [cmd, ...args] = [...h.prefix, process.execPath, "-e", SERVER, h.address];
      const p = spawn(cmd!, args, { stdio: ["ignore", "pipe", "inherit"] });
      servers.push(p);
      await once(p.stdout!, "data");
    }
  });
  after(async () => {
    await net?.destroy();
  });

  test("each host has its own address; the observer and every other host reach it", async () => {
    const [h1, h2, h3] = net.hosts;
    assert.equal(new Set(net.hosts.map((h) => h.address)).size, 3);
    for (const h of net.hosts) assert.equal(await reach([], h.address), h.address);
    assert.equal(await reach(h1!.prefix, h3!.address), h3!.address);
    assert.equal(await reach(h3!.prefix, h2!.address), h2!.address);
    // The server on h1 listens on h1's address only: h2's loopback does not see it.
    assert.equal(await reach(h2!.prefix, "127.0.0.1"), "ECONNREFUSED");
  });

  test("a partition drops traffic between sides both ways, keeps each side and the observer connected; heal undoes it", { skip: noPartitions }, async () => {
    const [h1, h2, h3] = net.hosts;
    await net.partition([["h1"], ["h2", "h3"]]);
    assert.equal(await reach(h1!.prefix, h2!.address), "TIMEOUT");
    assert.equal(await reach(h3!.prefix, h1!.address), "TIMEOUT");
    assert.equal(await reach(h2!.prefix, h3!.address), h3!.address);
    assert.equal(await reach([], h1!.address), h1!.address);
    await net.heal();
    assert.equal(await reach(h1!.prefix, h2!.address), h2!.address);
  });

  test("a cut-off host is unreachable from everyone until it is reconnected", async () => {
    const [h1, h2] = net.hosts;
    await net.cutOff("h2");
    assert.equal(await reach([], h2!.address), "TIMEOUT");
    assert.equal(await reach(h1!.prefix, h2!.address), "TIMEOUT");
    await net.reconnect("h2");
    assert.equal(await reach(h1!.prefix, h2!.address), h2!.address);
  });

  test("a name in the hosts file resolves, on every host, to every address listed for it", async () => {
    await net.setHostsFile({ "peers.test": net.hosts.map((h) => h.address) });
    const [cmd, ...args] = [...net.hosts[0]!.prefix, process.execPath, "-e", `require("dns").lookup("peers.test",{all:true},(e,a)=>console.log(e?e.code:a.map(x=>x.address).sort().join(",")))`];
    const { stdout } = await exec(cmd!, args, { timeout: 5000 });
    assert.equal(stdout.trim(), net.hosts.map((h) => h.address).sort().join(","));
  });

  test("destroy kills what runs on the hosts and removes every namespace", async () => {
    const extra = await createTestHosts({ count: 2 });
    const [cmd, ...args] = [...extra.hosts[0]!.prefix, process.execPath, "-e", "setInterval(()=>{},1000)"];
    const sleeper = spawn(cmd!, args, { stdio: "ignore" });
    const exited = once(sleeper, "exit");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await extra.pids("h1"), [sleeper.pid]);
    await extra.destroy();
    await exited;
    const { stdout } = await exec("ip", ["netns", "list"]);
    for (const h of extra.hosts) assert.ok(!stdout.includes(h.namespace), `${h.namespace} is still there`);
    assert.ok(!existsSync(`/etc/netns/${extra.hosts[0]!.namespace}`));
  });
});
