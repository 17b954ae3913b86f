/**
 * The nftables ruleset that splits the test hosts' bridge into sides: frames from a port of
 * one side to a port of another are dropped in the bridge's forward hook, both ways. Ports
 * in no side (the observer's, so the test can still reach every host) are left alone, as are
 * frames within one side.
 */

/** The table the harness owns inside the switch namespace. */
export const TABLE = "p2p_partition";

/** One `nft -f` script: replaces the table atomically (an empty `sides` heals). */
export function partitionRuleset(sides: readonly (readonly string[])[]): string {
  const seen = new Set<string>();
  for (const side of sides) {
    for (const port of side) {
      if (!/^[A-Za-z0-9_-]{1,15}$/.test(port)) throw new Error(`not an interface name: ${JSON.stringify(port)}`);
      if (seen.has(port)) throw new Error(`port ${port} is on two sides of the partition`);
      seen.add(port);
    }
  }
  const set = (side: readonly string[]) => `{ ${side.map((p) => `"${p}"`).join(", ")} }`;
  const rules: string[] = [];
  sides.forEach((a, i) =>
    sides.forEach((b, j) => {
      if (i !== j && a.length && b.length) rules.push(`    iifname ${set(a)} oifname ${set(b)} drop`);
    }),
  );
  return [
    // Declaring then deleting makes the script work whether or not the table exists yet.
    `table bridge ${TABLE} {}`,
    `delete table bridge ${TABLE}`,
    `table bridge ${TABLE} {`,
    "  chain forward {",
    "    type filter hook forward priority 0; policy accept;",
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}
