/** Labels of a run: commit, machine and load, so results from different runs can be compared honestly. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem, hostname } from "node:os";

export interface MachineFacts {
  commit: string;
  dirty: boolean;
  cpuCount: number;
  cpuModel: string;
  totalMemMiB: number;
  node: string;
  platform: string;
  host: string;
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

export function machineFacts(): MachineFacts {
  const cpu = cpus();
  return {
    commit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "",
    cpuCount: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
  };
}

/** 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [a ?? 0, b ?? 0, c ?? 0];
}
