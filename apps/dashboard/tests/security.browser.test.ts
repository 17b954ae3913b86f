/**
 * The dashboard's request protections over real HTTP, against the production build:
 * - CSRF: a cross-origin text/plain request to each mutating route is refused and the fleet is
 *   unchanged (the attack of issue 15: fetch(…, {mode: "no-cors", body: '{"action":"remove"…}'})).
 * - Downloads are attachments of opaque bytes, with nosniff, and capped in size.
 * - Pages carry CSP and anti-framing headers.
 * - SSRF: a crawled peer advertising an address outside the allowlist is never contacted.
 * - Login token: forced with DASHBOARD_REQUIRE_TOKEN=1 while bound to 127.0.0.1 (the test
 *   cannot rely on another address to bind); binding off loopback takes the same path.
 * Requests go through node:http so Origin/Host are exactly what the test sets.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ensureBuilt, launchBrowser, screenshot, startDashboard, waitFor, type Dashboard } from "./harness";
import { fleetBuilt, startFleet, type Fleet } from "./fleet";
import { fleetClient } from "../lib/clients";
import { sha256, startFakePeer, type FakePeer } from "../lib/testing/fake-peer";
import type { Snapshot } from "../lib/snapshot-types";

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let data = "";
      res.setEncoding("latin1");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("dashboard request protections against a real fleet", { skip, timeout: 240_000 }, () => {
  let fleet: Fleet | undefined;
  let dash: Dashboard | undefined;
  const MAX = 4096;

  before(async () => {
    ensureBuilt();
    fleet = await startFleet(3);
    dash = await startDashboard({ FLEET_URL: fleet.url, FLEET_TOKEN: fleet.token, DASHBOARD_MAX_DOWNLOAD_BYTES: String(MAX) });
  });
  after(async () => {
    await dash?.stop();
    await fleet?.stop();
  });

  const snapshot = async (): Promise<Snapshot> => (await fetch(`${dash!.url}/api/snapshot`)).json() as Promise<Snapshot>;
  const upPeers = () => waitFor("3 peers up", async () => {
    const s = await snapshot();
    return s.peers.filter((p) => p.status === "up").length === 3 ? s : undefined;
  }, 60_000);

  test("cross-origin text/plain to every mutating route is refused; the fleet is unchanged", async () => {
    const s = await upPeers();
    const victim = s.peers[0]!;
    const attacks: [string, string, string][] = [
      ["POST", "/api/fleet", JSON.stringify({ action: "remove", peer: victim.name })],
      ["POST", "/api/fleet/faults", JSON.stringify({ action: "pause", peer: victim.name })],
      ["POST", "/api/fleet/chaos", JSON.stringify({ action: "start", seconds: 5 })],
      ["POST", "/api/data", JSON.stringify({ op: "put", peer: victim.id, key: "csrf-key", value: "pwned" })],
      ["PUT", `/api/files?name=csrf.html&peer=${victim.id}`, "<script>alert(1)</script>"],
    ];
    for (const [method, path, body] of attacks) {
      const foreign = await send(`${dash!.url}${path}`, method, { origin: "http://evil.example", "content-type": "text/plain" }, body);
      assert.equal(foreign.status, 403, `${method} ${path}: ${foreign.body}`);
      assert.match(foreign.body, /"error":"Origin/);
      const noOrigin = await send(`${dash!.url}${path}`, method, { "content-type": "text/plain" }, body);
      assert.equal(noOrigin.status, 403, `${method} ${path} without Origin`);
      const sameOriginText = await send(`${dash!.url}${path}`, method, { origin: dash!.url, "content-type": "text/plain" }, body);
      assert.equal(sameOriginText.status, 415, `${method} ${path} same-origin text/plain`);
      const rebound = await send(`${dash!.url}${path}`, method, { host: "evil.example", origin: "http://evil.example", "content-type": "application/json" }, body);
      assert.equal(rebound.status, 403, `${method} ${path} via a rebound DNS name`);
    }
    const listed = await fleetClient(fleet!.url, fleet!.token).listPeers({});
    assert.equal(listed.peers.length, 3, "no peer was removed");
    assert.ok(listed.peers.every((p) => !p.faults?.paused), "no peer was paused");
    assert.deepEqual(await (await fetch(`${dash!.url}/api/fleet/chaos`)).json(), { run: null }, "no chaos run was started");
    const records = (await (await fetch(`${dash!.url}/api/records?q=csrf-key`)).json()) as { total: number };
    assert.equal(records.total, 0, "no record was written");
    const files = (await (await fetch(`${dash!.url}/api/files`)).json()) as { files: { manifest: { name: string } }[] };
    assert.ok(!files.files.some((f) => f.manifest.name === "csrf.html"), "no file was uploaded");
  });

  test("same-origin JSON still works; downloads are nosniff attachments, capped", async () => {
    const s = await upPeers();
    const put = await send(`${dash!.url}/api/data`, "POST", { origin: dash!.url, "content-type": "application/json" }, JSON.stringify({ op: "put", peer: s.peers[0]!.id, key: "same-origin", value: "ok" }));
    assert.equal(put.status, 200, put.body);

    const upload = async (name: string, body: string) => {
      const r = await send(`${dash!.url}/api/files?name=${encodeURIComponent(name)}`, "PUT", { origin: dash!.url, "content-type": "application/octet-stream", "x-file-type": "text/html" }, body);
      assert.equal(r.status, 201, r.body);
      return (JSON.parse(r.body) as { id: string; manifest: { mediaType: string } });
    };
    const small = await upload("page.html", "<script>alert(document.cookie)</script>");
    assert.equal(small.manifest.mediaType, "text/html", "the file's own type still reaches the peer");
    const got = await send(`${dash!.url}/api/files/${small.id}`, "GET", {});
    assert.equal(got.status, 200);
    assert.equal(got.headers["content-type"], "application/octet-stream");
    assert.equal(got.headers["x-content-type-options"], "nosniff");
    assert.match(String(got.headers["content-disposition"]), /^attachment; filename="page.html"/);
    assert.equal(got.body, "<script>alert(document.cookie)</script>");

    const big = await upload("big.html", "x".repeat(MAX + 1));
    const refused = await send(`${dash!.url}/api/files/${big.id}`, "GET", {});
    assert.equal(refused.status, 413, refused.body);
    assert.match(refused.body, /DASHBOARD_MAX_DOWNLOAD_BYTES/);
  });

  test("pages carry CSP, no framing and a referrer policy", async () => {
    const page = await send(`${dash!.url}/`, "GET", {});
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-security-policy"]), /frame-ancestors 'none'/);
    assert.match(String(page.headers["content-security-policy"]), /object-src 'none'/);
    assert.equal(page.headers["x-frame-options"], "DENY");
    assert.equal(page.headers["referrer-policy"], "same-origin");
  });

  test("the pages still render and run under the CSP (no violations in the browser)", async () => {
    const browser = await launchBrowser();
    try {
      const violations: string[] = [];
      browser.page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
      for (const path of ["/", "/topology", "/ring", "/data", "/files", "/fleet", "/chaos"]) {
        await browser.page.goto(`${dash!.url}${path}`);
        await browser.page.waitForLoadState("networkidle");
      }
      await browser.page.goto(`${dash!.url}/topology`);
      await browser.page.locator("svg circle").first().waitFor({ timeout: 30_000 }); // drawn by client-side script
      await screenshot(browser.page, "security-csp-topology");
      assert.deepEqual(violations, []);
    } finally {
      await browser.stop();
    }
  });
});

describe("crawl mode polls only allowlisted addresses", { timeout: 120_000 }, () => {
  let dash: Dashboard | undefined;
  let fake: FakePeer | undefined;
  let recorder: Server | undefined;
  const contacted: string[] = [];
  const hidden = sha256("hidden");

  before(async () => {
    ensureBuilt();
    // The "hidden service" a hostile peer points the dashboard at: it records every request.
    recorder = createServer((req, res) => { contacted.push(`${req.method} ${req.url}`); res.end(); });
    await new Promise<void>((r) => recorder!.listen(0, "127.0.0.1", r));
    const target = `127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    fake = await startFakePeer({ id: sha256("fake"), contacts: () => [{ id: hidden, httpAddress: target }, { id: sha256("metadata"), httpAddress: "169.254.169.254:80" }] });
    // An explicit allowlist of just the seed: loopback's other ports are outside it.
    dash = await startDashboard({ DASHBOARD_PEERS: fake.httpAddress, DASHBOARD_PEER_ALLOW: fake.httpAddress });
  });
  after(async () => {
    await dash?.stop();
    await fake?.close();
    await new Promise((r) => recorder?.close(r));
  });

  test("an advertised address outside the allowlist is listed as not polled and never fetched", async () => {
    const s = await waitFor("the hostile contact to be listed", async () => {
      const snap = (await (await fetch(`${dash!.url}/api/snapshot`)).json()) as Snapshot;
      return snap.peers.some((p) => p.id === hidden) ? snap : undefined;
    }, 30_000);
    for (let i = 0; i < 3; i++) await fetch(`${dash!.url}/api/snapshot`); // more polls, more chances to fetch it
    const shown = s.peers.find((p) => p.id === hidden)!;
    assert.equal(shown.lastError, "not polled (outside the allowlist)");
    assert.notEqual(shown.status, "up");
    assert.equal(s.peers.find((p) => p.id === sha256("fake"))?.status, "up", "the seed itself is polled");
    // Routes that act on a peer refuse it too, rather than calling its address.
    const data = await send(`${dash!.url}/api/data`, "POST", { origin: dash!.url, "content-type": "application/json" }, JSON.stringify({ op: "get", peer: hidden, key: "k" }));
    assert.equal(data.status, 404);
    const file = await send(`${dash!.url}/api/files/${"a".repeat(64)}?peer=${hidden}`, "GET", {});
    assert.equal(file.status, 404);
    assert.deepEqual(contacted, [], "the recorder was never contacted");
  });
});

describe("login token (forced on loopback with DASHBOARD_REQUIRE_TOKEN=1)", { timeout: 120_000 }, () => {
  let dash: Dashboard | undefined;
  before(async () => {
    ensureBuilt();
    dash = await startDashboard({ DASHBOARD_REQUIRE_TOKEN: "1" });
  });
  after(async () => dash?.stop());

  test("refused without the token, allowed with it (Bearer or the login cookie)", async () => {
    const token = /login\?token=([A-Za-z0-9_-]+)/.exec(dash!.output())?.[1];
    assert.ok(token, `the generated token is printed to the server log:\n${dash!.output()}`);
    assert.equal((await send(`${dash!.url}/api/snapshot`, "GET", {})).status, 401);
    const home = await send(`${dash!.url}/`, "GET", {});
    assert.equal(home.status, 303);
    assert.equal(home.headers.location, "/login");
    assert.equal((await send(`${dash!.url}/api/snapshot`, "GET", { authorization: "Bearer wrong" })).status, 401);
    assert.equal((await send(`${dash!.url}/login?token=wrong`, "GET", {})).status, 401);
    assert.match((await send(`${dash!.url}/login`, "GET", {})).body, /<form/);

    assert.equal((await send(`${dash!.url}/api/snapshot`, "GET", { authorization: `Bearer ${token}` })).status, 200);
    const login = await send(`${dash!.url}/login?token=${token}`, "GET", {});
    assert.equal(login.status, 303);
    const cookie = String(login.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withCookie = await send(`${dash!.url}/`, "GET", { cookie: cookie.split(";")[0]! });
    assert.equal(withCookie.status, 200);
    // The token does not replace the CSRF rules: a logged-in cross-origin mutation is still refused.
    const csrf = await send(`${dash!.url}/api/fleet`, "POST", { cookie: cookie.split(";")[0]!, origin: "http://evil.example", "content-type": "text/plain" }, "{}");
    assert.equal(csrf.status, 403);
  });
});
