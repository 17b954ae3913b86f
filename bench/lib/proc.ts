/** Process cost from /proc (Linux): resident memory and CPU time of a PID. */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
const CLK_TCK = 100;

/** Resident set size in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  return memory(pid)?.rss;
}

/**
 * Resident memory from one read of /proc/<pid>/status: all of it (VmRSS), and the anonymous
 * part (RssAnon: heap, buffers, what the process allocated). RSS also counts file pages
 * mapped and touched, and a peer maps its LMDB file: storing 600 MiB puts up to 600 MiB of
 * page cache in its RSS, which the kernel reclaims under pressure and which is no allocation
 * of the peer's. Undefined when the process is gone.
 */
function memory(pid: number): { rss: number; anon: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), anon: kb("RssAnon") };
  } catch {
    return undefined;
  }
}

/**
 * Proportional set size in bytes (shared pages divided among the processes sharing them), or
 * undefined when the process is gone. RSS counts the node binary's ~40 MiB of shared text in
 * full for every peer; PSS is what one more peer of a fleet really adds.
 */
export function pssBytes(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds used so far, or undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Samples the summed and per-PID peak RSS, and the per-PID peak anonymous RSS, every `everyMs` until stopped. */
export function rssPeakSampler(pids: number[], everyMs = 100): { stop(): { peakPerProcess: number; peakTotal: number; peakAnonPerProcess: number } } {
  let peakPerProcess = 0;
  let peakTotal = 0;
  let peakAnonPerProcess = 0;
  const sample = () => {
    let total = 0;
    for (const pid of pids) {
      const m = memory(pid) ?? { rss: 0, anon: 0 };
      total += m.rss;
      peakPerProcess = Math.max(peakPerProcess, m.rss);
      peakAnonPerProcess = Math.max(peakAnonPerProcess, m.anon);
    }
    peakTotal = Math.max(peakTotal, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakPerProcess, peakTotal, peakAnonPerProcess };
    },
  };
}
