/** The peer's --help text (every flag with its env var and default) and --version. */
import { SOFTWARE_VERSION } from "../version.js";
import { SETTING_KEYS, SETTING_SOURCES, peerSettingsSchema } from "./peer-config.js";

/** Env var that names the config file when --config is not given. */
export const CONFIG_ENV = "P2P_CONFIG";

/** The --help text: every flag with its env var and default. */
export function peerUsage(): string {
  const defaults = peerSettingsSchema.parse({});
  const lines = ["Usage: p2p-peer [flags]", "", "Flags (env var; default):"];
  const row = (flag: string, env: string, def: string, help: string) =>
    lines.push(`  --${flag.padEnd(26)} ${help}`, `  ${"".padEnd(28)} env ${env}${def ? `; default ${def}` : ""}`);
  row("config <file>", CONFIG_ENV, "", "JSON file of settings (camelCase keys), watched for live changes");
  for (const key of SETTING_KEYS) {
    const s = SETTING_SOURCES[key];
    const d = defaults[key];
    const shown =
      key === "advertise" ? "the bind host" :
      key === "dataDir" ? ".data/peer-<port>" :
      d === undefined ? "" : Array.isArray(d) ? (d.length ? d.join(",") : "none") : String(d);
    const arg = s.kind === "boolean" ? "" : ` <${s.kind === "integer" ? "n" : s.kind === "list" ? "host:port" : "value"}>`;
    row(`${s.flag}${arg}`, s.env, shown, s.help);
  }
  lines.push(`  ${"--help, -h".padEnd(28)} this text`, `  ${"--version".padEnd(28)} print the version`);
  return lines.join("\n");
}

/** The version --version prints: the one the peer reports everywhere else (version.ts). */
export function peerVersion(): string {
  return SOFTWARE_VERSION;
}
