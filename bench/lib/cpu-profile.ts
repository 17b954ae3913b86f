/**
 * Reading V8 .cpuprofile files: the functions with the most self time, and with the most total
 * (inclusive) time, which is what says where a request's CPU goes when V8 inlines small
 * functions into their callers. Idle and the profiler's own entries are left out of the shares.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  fn: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  pct: number;
}

const IDLE = new Set(["(idle)", "(program)"]);

function label(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^.*\/node_modules\//, "~/").replace(/^.*\/(apps|packages|bench)\//, "$1/");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
}

/** Self and inclusive time per function over the busy samples, the largest first. */
export function profileTimes(profile: CpuProfile, top: number): { busyMs: number; self: FunctionTime[]; inclusive: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    if (IDLE.has(node.callFrame.functionName)) continue;
    busy += ms;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l) || byId.get(at)!.callFrame.functionName === "(root)") continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / busy }));
  return { busyMs: busy, self: rank(self), inclusive: rank(inclusive) };
}
