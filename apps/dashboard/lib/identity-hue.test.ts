import { test } from "node:test";
import assert from "node:assert/strict";
import { hueOf } from "./identity-hue";

/** Hues of the state colours (components/ui stateColor): green, amber, rose. */
const STATE_HUES = [158, 38, 350];
const hueDistance = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

test("no ring position gets a hue near a state colour (a peer near 0x00 is not red)", () => {
  for (let i = 0; i <= 1000; i++) {
    const h = hueOf(i / 1000);
    for (const s of STATE_HUES) assert.ok(hueDistance(h, s) >= 25, `position ${i / 1000}: hue ${h} is near state hue ${s}`);
  }
  assert.notEqual(hueOf(0), hueOf(0.5));
});
