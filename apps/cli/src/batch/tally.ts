/**
 * Counting the per-key outcomes of a batch command, keeping the first failures (so that a
 * million failed keys do not fill memory), and the exit code they add up to.
 */
import { codeFromName, ExitCode, exitCodeOf } from "../errors.js";

export interface KeyFailure {
  key: string;
  /** snake_case status code, as the peer sends it: "invalid_argument", "unavailable", … */
  code: string;
  message: string;
  lineNo?: number;
}

/** Failures kept in full; the rest are only counted (per code). */
export const MAX_KEPT_FAILURES = 100;

export class Tally {
  ok = 0;
  failed = 0;
  readonly failures: KeyFailure[] = [];
  readonly byCode = new Map<string, number>();

  succeed(n = 1): void {
    this.ok += n;
  }

  fail(f: KeyFailure): void {
    this.failed++;
    this.byCode.set(f.code, (this.byCode.get(f.code) ?? 0) + 1);
    if (this.failures.length < MAX_KEPT_FAILURES) this.failures.push(f);
  }

  /** 0 when nothing failed; otherwise the exit code of the worst failure (batchExitCode). */
  exitCode(): ExitCode {
    return batchExitCode(this.byCode.keys());
  }

  /** `{"invalid_argument": 2, …}` for JSON output. */
  codes(): Record<string, number> {
    return Object.fromEntries(this.byCode);
  }
}

/**
 * One exit code for failures of several kinds, the one that tells the user most about what to
 * do: 5 (rejected: fix the data, a retry will not help) over 6 (corrupt) over 4 (unavailable:
 * retry later) over 3 (not found) over 1 (anything else); 0 when there were none.
 */
export function batchExitCode(codes: Iterable<string>): ExitCode {
  const rank: ExitCode[] = [ExitCode.rejected, ExitCode.corrupt, ExitCode.unavailable, ExitCode.notFound, ExitCode.other];
  let best: ExitCode = ExitCode.ok;
  for (const name of codes) {
    const code = exitCodeOf(codeFromName(name));
    if (best === ExitCode.ok || rank.indexOf(code) < rank.indexOf(best)) best = code;
  }
  return best;
}

/** "a: invalid_argument value too large" lines for the first `n` failures. */
export function failureLines(failures: readonly KeyFailure[], n: number): string[] {
  return failures.slice(0, n).map((f) => `  ${f.lineNo !== undefined ? `line ${f.lineNo}: ` : ""}${JSON.stringify(f.key)}: ${f.code} ${f.message}`);
}
