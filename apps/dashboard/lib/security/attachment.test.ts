import { test } from "node:test";
import assert from "node:assert/strict";
import { attachmentDisposition, capBytes, dispositionFilename, safeFilename } from "./attachment";

test("safe filenames: no paths, quotes, controls or bidi tricks; never empty", () => {
  assert.equal(safeFilename("report.pdf"), "report.pdf");
  assert.equal(safeFilename("../../etc/passwd"), "__.._etc_passwd");
  assert.equal(safeFilename('a"b\\c\r\nd.txt'), "a_b_c__d.txt");
  assert.equal(safeFilename("evil\u202egpj.exe"), "evilgpj.exe");
  assert.equal(safeFilename(".bashrc"), "_bashrc");
  assert.equal(safeFilename(""), "download");
  assert.equal(safeFilename("x".repeat(300)).length, 200);
});

test("Content-Disposition is an attachment with an ASCII and a UTF-8 name", () => {
  assert.equal(attachmentDisposition("a.html"), `attachment; filename="a.html"; filename*=UTF-8''a.html`);
  assert.equal(attachmentDisposition("résumé\".pdf"), `attachment; filename="r_sum__.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9_.pdf`);
});

test("a peer's Content-Disposition name is read back (filename* first)", () => {
  assert.equal(dispositionFilename(`inline; filename="x.svg"`), "x.svg");
  assert.equal(dispositionFilename(`attachment; filename="a"; filename*=UTF-8''%C3%A9.txt`), "é.txt");
  assert.equal(dispositionFilename(null), undefined);
});

test("capBytes passes up to the cap and errors beyond", async () => {
  const stream = (n: number) => new Blob([new Uint8Array(n)]).stream();
  assert.equal((await new Response(capBytes(stream(10), 10)).arrayBuffer()).byteLength, 10);
  await assert.rejects(new Response(capBytes(stream(11), 10)).arrayBuffer(), /DASHBOARD_MAX_DOWNLOAD_BYTES/);
});
