/** Colours and tones of chaos states and fault kinds, the same in the form, timeline and list. */
import type { ChaosState } from "../../lib/chaos-types";
import type { Tone } from "../ui";

export const stateTone: Record<ChaosState, Tone> = {
  running: "info", healing: "warn", checking: "warn", passed: "good", failed: "bad", error: "bad", unknown: "muted",
};

/** Bar fill and text of each fault kind on the timeline (Tailwind classes). */
export const kindStyle: Record<string, { bar: string; label: string }> = {
  kill: { bar: "bg-rose-500/70 ring-rose-300/60", label: "text-rose-300" },
  pause: { bar: "bg-amber-500/70 ring-amber-300/60", label: "text-amber-300" },
  partition: { bar: "bg-fuchsia-500/60 ring-fuchsia-300/60", label: "text-fuchsia-300" },
  skew: { bar: "bg-sky-500/60 ring-sky-300/60", label: "text-sky-300" },
  delay: { bar: "bg-teal-500/60 ring-teal-300/60", label: "text-teal-300" },
};
export const otherKind = { bar: "bg-slate-500/60 ring-slate-300/60", label: "text-slate-300" };
