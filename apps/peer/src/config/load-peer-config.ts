/**
 * Resolves the peer's configuration from, lowest to highest precedence: defaults < JSON
 * config file (--config / P2P_CONFIG) < environment (P2P_*) < flags. Every value is
 * validated where it came from, so an error names both the setting and its source.
 */
import { readFileSync, statSync } from "node:fs";
import { networkInterfaces as osNetworkInterfaces } from "node:os";
import type { NetworkInterfaceInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { CONFIG_ENV, peerUsage, peerVersion } from "./peer-usage.js";
import {
  SETTING_KEYS,
  SETTING_SOURCES,
  UNSPECIFIED_HOSTS,
  crossFieldProblems,
  peerSettingsSchema,
} from "./peer-config.js";
import type { PeerConfig, PeerSettings, SettingKey } from "./peer-config.js";

/** Bad configuration. The message starts with the source and field at fault. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** The setting at fault, when one is. */
    readonly setting?: SettingKey,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface LoadPeerConfigOptions {
  /** Base of relative paths from flags and env, and of the default data dir. Default process.cwd(). */
  cwd?: string;
  /** Interface list used to derive `advertise` when binding 0.0.0.0/::. Default os.networkInterfaces. */
  networkInterfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export type LoadPeerConfigResult =
  | { config: PeerConfig; configPath?: string; warnings: string[] }
  | { help: string }
  | { version: string };

export { CONFIG_ENV };
/** Config files are small; a bigger one is a mistake (or an attack on a shared dir). */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

type Layer = Partial<Record<SettingKey, unknown>>;
type Labels = Partial<Record<SettingKey, string>>;

const shape = peerSettingsSchema.shape as Record<SettingKey, z.ZodType>;

function describeInput(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "string" ? `string ${JSON.stringify(v)}` : typeof v === "number" ? `${v}` : typeof v;
}

/** One concise sentence per zod issue: what was expected, what was given. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "int"
        ? `expected an integer, got ${describeInput(input)}`
        : `expected ${issue.expected}, got ${describeInput(input)}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `needs at least ${issue.minimum} entries`;
      return `must be ≥ ${issue.minimum}, got ${describeInput(input)}`;
    case "too_big":
      if (issue.origin === "array") return `at most ${issue.maximum} entries`;
      return `must be ≤ ${issue.maximum}, got ${describeInput(input)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}, got ${describeInput(input)}`;
    default:
      return issue.message;
  }
}

function validateField(key: SettingKey, value: unknown, label: string): unknown {
  const r = shape[key].safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.length > 0 ? `[${issue.path.join("][")}]` : "";
  throw new ConfigError(`${label}${at}: ${describeIssue(issue)}`, key);
}

function parseInteger(raw: string, label: string, key: SettingKey): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new ConfigError(`${label}: expected an integer, got ${JSON.stringify(raw)}`, key);
  }
  return Number(raw.trim());
}

/** An environment variable's boolean: 1/true/yes or 0/false/no, any case. */
function parseBoolean(raw: string, label: string, key: SettingKey): boolean {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes"].includes(v)) return true;
  if (["0", "false", "no"].includes(v)) return false;
  throw new ConfigError(`${label}: expected true or false (or 1 / 0), got ${JSON.stringify(raw)}`, key);
}

const splitList = (raw: string): string[] =>
  raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

const FLAG_OPTIONS = {
  ...Object.fromEntries(
    SETTING_KEYS.map((key) => {
      const s = SETTING_SOURCES[key];
      return [s.flag, s.kind === "boolean" ? { type: "boolean" } : { type: "string", multiple: s.kind === "list" }];
    }),
  ),
  grpc_port: { type: "string" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} satisfies ParseArgsConfig["options"];

function parseFlags(argv: string[]): Record<string, string | string[] | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: FLAG_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const quoted = /'([^']+)'/.exec(e.message)?.[1];
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new ConfigError(`${quoted ?? "flag"}: unknown flag (see --help)`);
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new ConfigError(`unexpected argument ${JSON.stringify(quoted ?? "")} (flags are --name value)`);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        const flag = quoted?.split(" ")[0] ?? "flag";
        if (e.message.includes("does not take an argument")) throw new ConfigError(`${flag}: takes no value (give the flag alone)`);
        throw new ConfigError(
          e.message.includes("ambiguous")
            ? `${flag}: a value starting with "-" must be written ${flag}=<value>`
            : `${flag}: needs a value`,
        );
      default:
        throw new ConfigError(e.message);
    }
  }
}

function flagLayer(values: Record<string, unknown>): { layer: Layer; labels: Labels } {
  const layer: Layer = {};
  const labels: Labels = {};
  if (values.grpc_port !== undefined && values["grpc-port"] !== undefined) {
    throw new ConfigError("--grpc-port: given twice (as --grpc-port and --grpc_port)", "grpcPort");
  }
  for (const key of SETTING_KEYS) {
    const { flag, kind } = SETTING_SOURCES[key];
    let raw = values[flag];
    let label = `--${flag}`;
    if (key === "grpcPort" && raw === undefined && values.grpc_port !== undefined) {
      raw = values.grpc_port;
      label = "--grpc_port";
    }
    if (raw === undefined) continue;
    labels[key] = label;
    if (kind === "list") layer[key] = (raw as string[]).flatMap(splitList);
    else if (kind === "integer") layer[key] = parseInteger(raw as string, label, key);
    else layer[key] = raw;
    layer[key] = validateField(key, layer[key], label);
  }
  return { layer, labels };
}

function envLayer(env: NodeJS.ProcessEnv): { layer: Layer; labels: Labels } {
  const layer: Layer = {};
  const labels: Labels = {};
  for (const key of SETTING_KEYS) {
    const { env: name, kind } = SETTING_SOURCES[key];
    const raw = env[name];
    // An empty variable counts as unset (a common way to "unset" in compose files and shells).
    if (raw === undefined || raw === "") continue;
    labels[key] = name;
    const value =
      kind === "list" ? splitList(raw) :
      kind === "integer" ? parseInteger(raw, name, key) :
      kind === "boolean" ? parseBoolean(raw, name, key) :
      raw;
    layer[key] = validateField(key, value, name);
  }
  return { layer, labels };
}

/** Reads and validates a JSON config file. Relative dataDir resolves against the file's dir. */
export function readConfigFile(path: string, shownAs = path): { layer: Layer; labels: Labels } {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`${shownAs}: larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${shownAs}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${shownAs}: invalid JSON (${(err as Error).message})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError(`${shownAs}: expected a JSON object of settings, got ${describeInput(data)}`);
  }
  const layer: Layer = {};
  const labels: Labels = {};
  for (const [key, value] of Object.entries(data)) {
    if (!Object.hasOwn(shape, key)) {
      throw new ConfigError(`${shownAs}: ${key}: unknown setting (known: ${SETTING_KEYS.join(", ")})`);
    }
    const k = key as SettingKey;
    labels[k] = `${shownAs}: ${key}`;
    layer[k] = validateField(k, value, labels[k]);
  }
  if (typeof layer.dataDir === "string") layer.dataDir = resolve(dirname(resolve(path)), layer.dataDir);
  return { layer, labels };
}

/** First non-internal IPv4 address, else IPv6 (not link-local); undefined when none. */
function firstExternalAddress(list: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const all = Object.values(list).flatMap((infos) => infos ?? []).filter((i) => !i.internal);
  return (
    all.find((i) => i.family === "IPv4")?.address ??
    all.find((i) => i.family === "IPv6" && !i.address.toLowerCase().startsWith("fe80:"))?.address
  );
}

/**
 * Builds the peer's configuration from flags (`argv` without node and script), environment
 * and the config file they name. Returns `{ help }` / `{ version }` for --help / --version.
 * Throws ConfigError naming the source and setting at fault (e.g. `--write-quorum: must be
 * ≤ replication factor (3), got 4`). `warnings` lists derived values worth logging.
 */
export function loadPeerConfig(argv: string[], env: NodeJS.ProcessEnv, opts: LoadPeerConfigOptions = {}): LoadPeerConfigResult {
  const cwd = opts.cwd ?? process.cwd();
  const flags = parseFlags(argv);
  if (flags.help === true) return { help: peerUsage() };
  if (flags.version === true) return { version: peerVersion() };

  const configGiven = (flags.config as string | undefined) ?? (env[CONFIG_ENV] || undefined);
  const configPath = configGiven === undefined ? undefined : resolve(cwd, configGiven);
  const file = configPath === undefined ? { layer: {}, labels: {} } : readConfigFile(configPath, configGiven);
  const fromEnv = envLayer(env);
  const fromFlags = flagLayer(flags);
  for (const layer of [fromEnv.layer, fromFlags.layer]) {
    if (typeof layer.dataDir === "string") layer.dataDir = resolve(cwd, layer.dataDir);
  }

  const merged = { ...file.layer, ...fromEnv.layer, ...fromFlags.layer };
  const labels: Labels = { ...file.labels, ...fromEnv.labels, ...fromFlags.labels };
  const settings: PeerSettings = peerSettingsSchema.parse(merged);
  for (const p of crossFieldProblems(settings)) {
    // Blame the setting that was given explicitly; a default is never the culprit.
    if (labels[p.key] !== undefined || labels[p.other] === undefined) {
      throw new ConfigError(`${labels[p.key] ?? `${p.key} (default)`}: ${p.message}`, p.key);
    }
    throw new ConfigError(`${labels[p.other]}: ${p.otherMessage}`, p.other);
  }

  const warnings: string[] = [];
  let advertise = settings.advertise;
  if (advertise === undefined) {
    if (!UNSPECIFIED_HOSTS.has(settings.host)) {
      advertise = settings.host;
    } else {
      advertise = firstExternalAddress((opts.networkInterfaces ?? osNetworkInterfaces)());
      if (advertise === undefined) {
        throw new ConfigError(
          `--advertise: required when binding ${settings.host} on a machine with no non-loopback address`,
          "advertise",
        );
      }
      warnings.push(`advertise: derived ${advertise} from the network interfaces (bind host ${settings.host}); set --advertise to choose`);
    }
  }
  const dataDir = settings.dataDir ?? resolve(cwd, ".data", `peer-${settings.port}`);
  const { advertise: _a, dataDir: _d, ...rest } = settings;
  return { config: { ...rest, advertise, dataDir }, configPath, warnings };
}
