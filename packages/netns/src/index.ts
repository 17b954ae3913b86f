/**
 * @p2p/netns: test hosts in network namespaces on one machine, each with its own IPv4
 * address, for tests and benchmarks of what crosses a network (partitions, cut-off hosts,
 * address changes). Needs Linux, root, iproute2, and nftables for partitions; the
 * capability checks say in one line why not when something is missing.
 */
export { createTestHosts, TestHosts } from "./test-hosts.js";
export type { TestHost, TestHostsOptions } from "./test-hosts.js";
export { namespacesUnavailable, partitionsUnavailable } from "./capability.js";
export { pickSubnet, subnet, type Subnet } from "./address-plan.js";
export { CommandError } from "./command.js";
