/**
 * A peer's identity colour (its ownership band on the ring, its dot). It used to be the
 * ring position mapped onto the whole colour wheel, so peers near 0x00 were drawn red and
 * read as "down", and others green or amber read as "up"/"suspect". Identity hues now stay
 * within cyan → violet, away from the state colours (green up, amber suspect/under-replicated,
 * rose down/unavailable): colour outside that range always means state.
 */
export const IDENTITY_HUE_MIN = 185;
export const IDENTITY_HUE_MAX = 290;

/** Stable hue for a ring position, so a peer keeps its colour across views. */
export function hueOf(position: number): number {
  const f = Math.min(1, Math.max(0, position));
  return Math.round(IDENTITY_HUE_MIN + f * (IDENTITY_HUE_MAX - IDENTITY_HUE_MIN));
}
