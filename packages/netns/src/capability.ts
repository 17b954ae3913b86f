/**
 * Whether this machine can build test hosts: why not, in one line, or undefined when it can.
 * Tests skip with that line (never silently), and the line says what to do about it.
 */
import { CommandError, run, runQuietly } from "./command.js";

let namespaces: Promise<string | undefined> | undefined;
let partitions: Promise<string | undefined> | undefined;

/** Why network namespaces cannot be made here (not Linux, not root, no iproute2, refused), or undefined. */
export function namespacesUnavailable(): Promise<string | undefined> {
  return (namespaces ??= probeNamespaces());
}

/** Why partitions cannot be made here (no namespaces, or no nft with the bridge family), or undefined. */
export function partitionsUnavailable(): Promise<string | undefined> {
  return (partitions ??= probePartitions());
}

async function probeNamespaces(): Promise<string | undefined> {
  if (process.platform !== "linux") return `test hosts need Linux network namespaces; this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "test hosts need root to create network namespaces (CI runs as root; locally: sudo npm test)";
  try {
    await run("ip", ["-V"]);
  } catch {
    return "test hosts need iproute2's ip command: apt-get install iproute2";
  }
  const probe = `p2pn-probe-${process.pid}`;
  try {
    await run("ip", ["netns", "add", probe]);
    await run("ip", ["-n", probe, "link", "add", "b0", "type", "bridge"]);
    return undefined;
  } catch (err) {
    return `this machine refuses network namespaces or bridges (${err instanceof CommandError ? err.detail : String(err)})`;
  } finally {
    await runQuietly("ip", ["netns", "del", probe]);
  }
}

async function probePartitions(): Promise<string | undefined> {
  const why = await namespacesUnavailable();
  if (why) return why;
  try {
    await run("nft", ["--version"]);
  } catch {
    return "partitions need nftables' nft command: apt-get install nftables";
  }
  const probe = `p2pn-probe-nft-${process.pid}`;
  try {
    await run("ip", ["netns", "add", probe]);
    await run("ip", ["netns", "exec", probe, "nft", "add", "table", "bridge", "probe"]);
    return undefined;
  } catch (err) {
    return `this kernel refuses nftables bridge filtering (${err instanceof CommandError ? err.detail : String(err)})`;
  } finally {
    await runQuietly("ip", ["netns", "del", probe]);
  }
}
