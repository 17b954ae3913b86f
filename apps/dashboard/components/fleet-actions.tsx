"use client";
/** Stop / kill / restart / remove buttons for one fleet peer, each confirmed, with the outcome reported. */
import { useState } from "react";
import { Button, ConfirmDialog, type Outcome } from "./ui";
import { postJson, refreshSnapshots } from "./use-snapshot";

export type FleetAction = "stop" | "kill" | "restart" | "remove";

const WHAT: Record<FleetAction, { label: string; tone: "default" | "warn" | "danger"; explain: string }> = {
  stop: { label: "Stop", tone: "warn", explain: "SIGTERM: the peer hands off its records and exits." },
  kill: { label: "Kill", tone: "danger", explain: "SIGKILL: the peer dies at once, without handing anything off. Its records lose a replica until repair." },
  restart: { label: "Restart", tone: "default", explain: "Starts the peer again with the same data dir, so the same ID." },
  remove: { label: "Remove", tone: "danger", explain: "Stops the peer and deletes its data dir. This cannot be undone." },
};

/**
 * POSTs an action ({action, ...}) to one of the fleet routes and refreshes the snapshot. Never
 * throws: a failure is an Outcome carrying the route's (so the controller's) message.
 */
export async function runAction(url: string, body: { action: string } & Record<string, unknown>): Promise<Outcome> {
  try {
    const r = await postJson<{ message: string }>(url, body);
    await refreshSnapshots();
    return { ok: true, message: r.message, atMs: Date.now() };
  } catch (err) {
    return { ok: false, message: `${body.action} failed: ${(err as Error).message}`, atMs: Date.now() };
  }
}

/** Runs a fleet action against /api/fleet and refreshes the snapshot. */
export function runFleetAction(body: { action: "spawn"; count: number } | { action: FleetAction; peer: string }): Promise<Outcome> {
  return runAction("/api/fleet", body);
}

export function FleetActions({ peer, label, actions = ["stop", "kill", "restart"], onOutcome, small }: {
  /** The controller's name or the peer ID. */
  peer: string;
  /** How the peer is called in the confirmation. */
  label: string;
  actions?: FleetAction[];
  onOutcome: (o: Outcome) => void;
  small?: boolean;
}) {
  const [pending, setPending] = useState<FleetAction>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    const action = pending!;
    setPending(undefined);
    setBusy(true);
    onOutcome(await runFleetAction({ action, peer }));
    setBusy(false);
  };
  return (
    <div className="flex gap-1.5" onClick={(e) => e.stopPropagation()}>
      {actions.map((a) => (
        <Button key={a} small={small} tone={WHAT[a].tone} disabled={busy} onClick={() => setPending(a)} testId={`action-${a}`}>{WHAT[a].label}</Button>
      ))}
      <ConfirmDialog open={pending !== undefined} title={pending ? `${WHAT[pending].label} ${label}?` : ""} body={pending ? WHAT[pending].explain : ""}
        confirmLabel={pending ? WHAT[pending].label : ""} onConfirm={confirm} onCancel={() => setPending(undefined)} />
    </div>
  );
}
