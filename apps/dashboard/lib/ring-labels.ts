/**
 * Which peer labels the ring can show without overlap. Labels are drawn radially at the
 * peer's angle, so two collide when their angles are closer than a label's height at the
 * label radius. Where IDs cluster (ten peers within 1% of the ring at 50 peers), drawing
 * them all gave an unreadable smear; now a label is hidden when it would collide with one
 * already placed, and the hidden peer's full label shows on hover or selection.
 */

/** Circular distance between two ring fractions in [0, 1). */
export function ringGap(a: number, b: number): number {
  const d = Math.abs(a - b) % 1;
  return Math.min(d, 1 - d);
}

/** The smallest gap (ring fraction) between two label baselines of `fontPx` at `radius`. */
export function minLabelGap(fontPx: number, radius: number): number {
  // 1.15 line height: glyphs of neighbouring labels must not touch.
  return (fontPx * 1.15) / (2 * Math.PI * radius);
}

/**
 * Returns, for each position, whether its label is shown. `first` (selected or hovered
 * peers' indices) are placed before the rest and always shown; the rest go in ring order,
 * each shown when at least `gap` from every label shown so far.
 */
export function visibleLabels(positions: readonly number[], gap: number, first: readonly number[] = []): boolean[] {
  const shown = positions.map(() => false);
  const placed: number[] = [];
  const place = (i: number) => {
    shown[i] = true;
    placed.push(positions[i]!);
  };
  for (const i of first) if (i >= 0 && i < positions.length && !shown[i]) place(i);
  const order = positions.map((_, i) => i).sort((a, b) => positions[a]! - positions[b]!);
  for (const i of order) {
    if (shown[i]) continue;
    if (placed.every((p) => ringGap(p, positions[i]!) >= gap)) place(i);
  }
  return shown;
}
