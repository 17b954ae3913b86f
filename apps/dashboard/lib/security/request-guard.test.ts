import { test } from "node:test";
import assert from "node:assert/strict";
import { checkHost, checkMutation, parseAllowedHosts } from "./request-guard";

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()] ?? null;
const post = (h: Record<string, string>, path = "/api/fleet", method = "POST") => checkMutation(method, path, headers({ host: "127.0.0.1:3000", ...h }));
const JSON_CT = { "content-type": "application/json" };

test("Host: IP literals and localhost pass; other names only when allowed", () => {
  const none = parseAllowedHosts(undefined);
  for (const h of ["127.0.0.1:3000", "[::1]:3000", "10.0.0.5", "localhost:3000", "LOCALHOST"]) assert.ok(checkHost(h, none).ok, h);
  const rebound = checkHost("evil.example:3000", none);
  assert.ok(!rebound.ok && rebound.status === 403 && /DASHBOARD_ALLOWED_HOSTS/.test(rebound.error));
  assert.ok(checkHost("Dash.LAN:3000", parseAllowedHosts("dash.lan, ops.example")).ok);
  assert.ok(!checkHost("dash.lan.evil.example", parseAllowedHosts("dash.lan")).ok);
  assert.equal((checkHost(null, none) as { status: number }).status, 400);
});

test("reads are never refused by the mutation check", () => {
  for (const m of ["GET", "HEAD", "OPTIONS"]) assert.ok(checkMutation(m, "/api/fleet", headers({ origin: "http://evil.example" })).ok);
});

test("the CSRF of the report: cross-origin text/plain is refused (403), whatever the type", () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    const v = post({ origin: "http://evil.example", "content-type": "text/plain" }, "/api/fleet", method);
    assert.ok(!v.ok && v.status === 403 && /Origin/.test(v.error), method);
  }
  assert.ok(!post({ origin: "http://evil.example", ...JSON_CT }).ok, "JSON does not help a foreign origin");
  assert.ok(!post({ origin: "null", ...JSON_CT }).ok, "an opaque origin is foreign");
  assert.ok(!post({ origin: "http://127.0.0.1:3001", ...JSON_CT }).ok, "another port is another origin");
});

test("same origin must still send JSON (415 otherwise)", () => {
  assert.ok(post({ origin: "http://127.0.0.1:3000", ...JSON_CT }).ok);
  assert.ok(post({ origin: "http://127.0.0.1:3000", "content-type": "application/json; charset=utf-8" }).ok);
  for (const ct of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
    const v = post({ origin: "http://127.0.0.1:3000", "content-type": ct });
    assert.ok(!v.ok && v.status === 415 && /Content-Type/.test(v.error), ct);
  }
});

test("the upload takes raw bytes, only on PUT /api/files", () => {
  const oct = { origin: "http://127.0.0.1:3000", "content-type": "application/octet-stream" };
  assert.ok(post(oct, "/api/files", "PUT").ok);
  assert.ok(!post(oct, "/api/fleet").ok);
  assert.ok(!post({ ...oct, "content-type": "text/plain" }, "/api/files", "PUT").ok);
});

test("without Origin: Sec-Fetch-Site same-origin or a same-origin Referer, nothing else", () => {
  assert.ok(post({ "sec-fetch-site": "same-origin", ...JSON_CT }).ok);
  assert.ok(post({ referer: "http://127.0.0.1:3000/fleet", ...JSON_CT }).ok);
  assert.ok(!post({ "sec-fetch-site": "cross-site", referer: "http://127.0.0.1:3000/", ...JSON_CT }).ok);
  assert.ok(!post({ referer: "http://evil.example/", ...JSON_CT }).ok);
  const bare = post(JSON_CT);
  assert.ok(!bare.ok && bare.status === 403 && /Origin: missing/.test(bare.error));
});

test("default ports compare equal", () => {
  assert.ok(checkMutation("POST", "/api/data", headers({ host: "dash.lan", origin: "http://dash.lan:80", ...JSON_CT })).ok);
  assert.ok(checkMutation("POST", "/api/data", headers({ host: "dash.lan:443", origin: "https://dash.lan", ...JSON_CT })).ok);
});
