/**
 * The Host check that stops DNS rebinding: a web page on evil.example whose name is re-pointed at
 * 127.0.0.1 can make the operator's browser call the controller, but the browser then sends
 * `Host: evil.example:7000`. A request is served only when its Host names this machine as an
 * address (an IP literal cannot be rebound), as `localhost`, or as a name given with
 * `--allowed-host` (e.g. the machine's DNS name when the controller is reached by name).
 */
import { isIP } from "node:net";

/** The hostname of a Host header value (`[::1]:7000` → `::1`), lowercased; "" when malformed. */
export function hostnameOf(header: string | undefined): string {
  if (!header) return "";
  const h = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (bracketed) return bracketed[1]!;
  const plain = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return plain ? plain[1]! : "";
}

/** True when a request with this Host header may be served (see the module comment). */
export function hostAllowed(header: string | undefined, allowedNames: readonly string[]): boolean {
  const name = hostnameOf(header);
  if (!name) return false;
  return isIP(name) !== 0 || name === "localhost" || allowedNames.some((n) => n.toLowerCase() === name);
}
