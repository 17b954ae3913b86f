import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrRange, pickSubnet, subnet } from "./address-plan.js";

test("cidrRange covers the whole prefix, host bits ignored", () => {
  assert.deepEqual(cidrRange("10.213.4.7/24"), [cidrRange("10.213.4.0/32")[0], cidrRange("10.213.4.255/32")[0]]);
  assert.deepEqual(cidrRange("default"), [0, 2 ** 32 - 1]);
  assert.throws(() => cidrRange("10.0.0.0/33"), /not a CIDR/);
  assert.throws(() => cidrRange("10.0.0/8"), /not an IPv4/);
});

test("pickSubnet skips every /24 a route of the machine overlaps, but not the default route", () => {
  assert.equal(pickSubnet(["default", "192.168.1.0/24"]).cidr, "10.213.0.0/24");
  assert.equal(pickSubnet(["10.213.0.0/23", "10.213.2.5"]).cidr, "10.213.3.0/24");
  // A VPN that takes all of 10/8 pushes the hosts into 172.30/16.
  assert.equal(pickSubnet(["10.0.0.0/8"]).cidr, "172.30.0.0/24");
  assert.throws(() => pickSubnet(["10.0.0.0/8", "172.16.0.0/12"]), /no free \/24/);
});

test("host addresses stay inside the /24 and leave .254 to the observer", () => {
  const s = subnet("10.213.9");
  assert.equal(s.address(1), "10.213.9.1");
  assert.equal(s.observer, "10.213.9.254");
  assert.throws(() => s.address(254), RangeError);
  assert.throws(() => s.address(0), RangeError);
});
