// The README's curl lines, run as a newcomer would: `npm start` (start-local, without the
// dashboard), then every `curl` line of every ```sh block of README.md, in order, with the
// variable lines above it (P=…, J=…, F=…) in effect, as in a reader's shell. The lines are read from the README itself,
// so the two cannot drift. Each must get a 2xx answer. The only things the test supplies are
// what the README assumes the user has: a photo.jpg in the working directory, and the ID of
// that file where a line says <id> or <file id>.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface ReadmeCommand {
  /** 1-based line in README.md. */
  lineNo: number;
  /** The variable lines (`P=…`) seen before it, in any block: a reader's shell keeps them. */
  setup: string[];
  command: string;
}

/** Every `curl` line of the ```sh blocks, with the assignments above it. */
export function readmeCurlCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let inSh = false;
  const setup: string[] = [];
  markdown.split("\n").forEach((line, i) => {
    if (/^```sh\s*$/.test(line)) {
      inSh = true;
    } else if (/^```/.test(line)) {
      inSh = false;
    } else if (inSh && /^[A-Z][A-Z0-9_]*=/.test(line)) {
      setup.push(line);
    } else if (inSh && /^curl\s/.test(line)) {
      out.push({ lineNo: i + 1, setup: [...setup], command: line });
    }
  });
  return out;
}

interface PeerRow {
  name: string;
  http: string;
}

/** Reads start-local's output until the peer table is complete; rejects on exit or timeout. */
function waitForPeerTable(child: ChildProcess, timeoutMs: number): Promise<PeerRow[]> {
  return new Promise((resolve, reject) => {
    const rows: PeerRow[] = [];
    const seen: string[] = [];
    const timer = setTimeout(() => reject(new Error(`no peer table within ${timeoutMs} ms:\n${seen.join("\n")}`)), timeoutMs);
    child.once("exit", (code) => reject(new Error(`start-local exited (${code}):\n${seen.join("\n")}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      seen.push(line);
      const row = /^\s+(peer-\d+)\s+\S+\s+http:\/\/(\S+)\s/.exec(line);
      if (row) rows.push({ name: row[1]!, http: row[2]! });
      else if (rows.length && !line.trim()) {
        clearTimeout(timer);
        resolve(rows);
      }
    });
  });
}

describe("the README's curl lines against npm start", { timeout: 240_000 }, () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let peers: PeerRow[] = [];
  let fileId = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "readme-"));
    child = spawn(process.execPath, [join(root, "scripts/start-local.js"), "--no-dashboard", "--dir", join(dir, ".fleet")], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    peers = await waitForPeerTable(child, 120_000);
    await writeFile(join(dir, "photo.jpg"), randomBytes(300_000));
    const upload = spawnSync("curl", ["-sS", "--max-time", "30", "-T", join(dir, "photo.jpg"), `http://${peers[0]!.http}/files/photo.jpg`], { encoding: "utf8" });
    fileId = (JSON.parse(upload.stdout) as { id: string }).id;
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGINT");
      const killer = setTimeout(() => child!.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  });

  test("npm start prints peer-0 … peer-4 on HTTP 8001 … 8005", () => {
    assert.deepEqual(peers.map((p) => p.name), ["peer-0", "peer-1", "peer-2", "peer-3", "peer-4"]);
    // Only a port some other program holds may move (the controller then says so).
    const moved = peers.filter((p, i) => p.http !== `127.0.0.1:${8001 + i}`);
    if (moved.length) console.log(`# ports taken on this machine, moved: ${moved.map((p) => `${p.name} ${p.http}`).join(", ")}`);
  });

  test("every curl line of the README answers 2xx", async () => {
    const commands = readmeCurlCommands(await readFile(join(root, "README.md"), "utf8"));
    assert.ok(commands.length >= 30, `expected the README's curl lines, found ${commands.length}`);
    // A port that had to move is the one substitution made; the README's addresses otherwise stand.
    const address = (text: string) =>
      text.replace(/127\.0\.0\.1:(800\d)/g, (whole, port: string) => peers[Number(port) - 8001]?.http ?? whole);
    const failures: string[] = [];
    for (const c of commands) {
      const command = address(c.command).replaceAll("<file id>", fileId).replaceAll("<id>", fileId);
      const script = [
        "curl() { command curl --max-time 30 -w '\\n%{http_code}' \"$@\"; }",
        ...c.setup.map(address),
        command,
      ].join("\n");
      const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", timeout: 60_000 });
      const status = r.stdout.trimEnd().split("\n").at(-1) ?? "";
      if (r.status !== 0 || !/^2\d\d$/.test(status)) {
        failures.push(`README.md:${c.lineNo}: ${c.command}\n  → exit ${r.status}, HTTP ${status}: ${(r.stdout + r.stderr).slice(0, 300)}`);
      }
    }
    assert.deepEqual(failures, [], `\n${failures.join("\n")}`);
  });
});

test("readmeCurlCommands takes curl lines of sh blocks with the variables set above them", () => {
  const md = ["```sh", "P=http://x", "# note", "curl -s $P/a", "npm start", "```", "curl outside", "```", "curl in text block", "```", "```sh", "curl -s b", "```"].join("\n");
  assert.deepEqual(readmeCurlCommands(md), [
    { lineNo: 4, setup: ["P=http://x"], command: "curl -s $P/a" },
    { lineNo: 12, setup: ["P=http://x"], command: "curl -s b" },
  ]);
});
