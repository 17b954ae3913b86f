/**
 * Checks the peer's LMDB file from its headers, with plain reads, before anything maps it: a
 * damaged file mapped by LMDB kills the process with SIGBUS or SIGSEGV and no message.
 *
 * The layout is that of the LMDB inside lmdb-js 3.x (dependencies/lmdb/libraries/liblmdb/mdb.c),
 * checked by hexdumping files it wrote. lmdb-js opens a path with an extension without a
 * subdirectory (MDB_NOSUBDIR): `peer.mdb` is the data file itself, `peer.mdb-lock` its reader
 * table. Pages 0 and 1 are the two meta pages, written alternately by commits; the one with the
 * higher transaction ID is current. Every integer is little-endian; page numbers are 64-bit.
 *
 *   page header (24 bytes)   0 u64 pgno · 8 u64 txnid · 16 u16 pad · 18 u16 flags · 20 u16 lower · 22 u16 upper
 *   meta (after the header) 24 u32 magic 0xBEEFC0DE · 28 u32 version (2) · 32 u64 address · 40 u64 map size
 *                           48 free-list B-tree (48 bytes; its first u32 is the page size) · 96 main B-tree
 *                          144 u64 last used page · 152 u64 txnid
 *   B-tree record (48)       0 u32 pad · 4 u16 flags · 6 u16 depth · 8 branch · 16 leaf · 24 overflow pages
 *                           32 entries · 40 u64 root page (all ones: empty)
 *
 * What the headers cannot show: the file may legitimately end a few pages before the last
 * used page (pages dirtied and freed in the same transaction are never written; measured: a
 * healthy file 3 pages short after a transaction that inserted and deleted 500 records), so
 * a short file is judged by whether the pages the B-trees reach are in it, and damage inside
 * the B-tree pages. Both are left to the verifier (database-verifier.ts), which
 * checkDatabaseFile runs after the headers.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { verifyDatabaseTrees } from "./database-verifier.js";

export const LMDB_MAGIC = 0xbeefc0de;
/** MDB_DATA_VERSION of lmdb-js 3.x's LMDB (the "data-v1" build, not used here, differs). */
export const LMDB_DATA_VERSION = 2;
export const PAGE_HEADER_BYTES = 24;
const P_META = 0x08;
/** Bytes of a meta page that are read: the header and the meta record up to its txnid. */
const META_BYTES = PAGE_HEADER_BYTES + 136;
/** LMDB accepts pages of 2^9 … 2^16 bytes (MAX_PAGESIZE with PAGEBASE). */
const MIN_PAGE_BYTES = 512;
const MAX_PAGE_BYTES = 65536;
const NO_ROOT = 0xffff_ffff_ffff_ffffn;

/** What one meta page says. */
export interface MetaPage {
  pageBytes: number;
  txnId: bigint;
  lastPage: bigint;
  freeRoot: bigint;
  mainRoot: bigint;
}

export type DatabaseFileState =
  | { t: "absent" }
  | { t: "damaged"; problem: string }
  /**
   * Whole as far as the headers tell. `shortPages`: how many of the pages up to the last
   * used one lie beyond the end of the file (0 normally; see the module comment).
   */
  | { t: "whole"; fileBytes: number; meta: MetaPage; shortPages: number };

/** Parses meta page `index` from `head`; a string names what is wrong with it. */
function parseMeta(head: Buffer, offset: number, index: number): MetaPage | string {
  const flags = head.readUInt16LE(offset + 18);
  const magic = head.readUInt32LE(offset + 24);
  const version = head.readUInt32LE(offset + 28) & 0xffff;
  if (magic !== LMDB_MAGIC) {
    return `overwritten: meta page ${index} has magic 0x${magic.toString(16).padStart(8, "0")}, expected 0x${LMDB_MAGIC.toString(16)}`;
  }
  if ((flags & P_META) === 0) return `overwritten: page ${index} is not marked as a meta page (flags 0x${flags.toString(16)})`;
  if (version !== LMDB_DATA_VERSION) return `meta page ${index} has data version ${version}, expected ${LMDB_DATA_VERSION}`;
  const pageBytes = head.readUInt32LE(offset + 48);
  if (pageBytes < MIN_PAGE_BYTES || pageBytes > MAX_PAGE_BYTES || (pageBytes & (pageBytes - 1)) !== 0) {
    return `overwritten: meta page ${index} gives a page size of ${pageBytes} bytes`;
  }
  const meta = {
    pageBytes,
    freeRoot: head.readBigUInt64LE(offset + 48 + 40),
    mainRoot: head.readBigUInt64LE(offset + 96 + 40),
    lastPage: head.readBigUInt64LE(offset + 144),
    txnId: head.readBigUInt64LE(offset + 152),
  };
  if (meta.lastPage < 1n) return `overwritten: meta page ${index} gives ${meta.lastPage} as its last page`;
  for (const [name, root] of [["free-list", meta.freeRoot], ["main", meta.mainRoot]] as const) {
    if (root !== NO_ROOT && (root < 2n || root > meta.lastPage)) {
      return `overwritten: meta page ${index} puts the ${name} B-tree's root at page ${root}, outside 2…${meta.lastPage}`;
    }
  }
  return meta;
}

/**
 * Judges a database file from its first two pages (`head`, at least 2 × its page size bytes
 * when the file has them) and its size. Pure, for tests; checkDatabaseFile reads a real file.
 */
export function checkDatabaseHeader(head: Buffer, fileBytes: number): DatabaseFileState {
  if (fileBytes === 0) return { t: "damaged", problem: "truncated: the file is empty (0 bytes)" };
  if (fileBytes < META_BYTES) return { t: "damaged", problem: `truncated: ${fileBytes} bytes, less than one meta page` };
  const first = parseMeta(head, 0, 0);
  if (typeof first === "string") return { t: "damaged", problem: first };
  const page = first.pageBytes;
  if (fileBytes < 2 * page) {
    return { t: "damaged", problem: `truncated: ${fileBytes} bytes, less than its two ${page}-byte meta pages` };
  }
  if (fileBytes % page !== 0) {
    return { t: "damaged", problem: `truncated: ${fileBytes} bytes is not a whole number of ${page}-byte pages` };
  }
  if (head.length < page + META_BYTES) throw new RangeError(`head: need ${page + META_BYTES} bytes, got ${head.length}`);
  const second = parseMeta(head, page, 1);
  if (typeof second === "string") return { t: "damaged", problem: second };
  if (second.pageBytes !== page) {
    return { t: "damaged", problem: `overwritten: the meta pages disagree on the page size (${page} and ${second.pageBytes})` };
  }
  const meta = second.txnId > first.txnId ? second : first;
  const pages = BigInt(fileBytes / page);
  for (const [name, root] of [["free-list", meta.freeRoot], ["main", meta.mainRoot]] as const) {
    if (root !== NO_ROOT && root >= pages) {
      return { t: "damaged", problem: `truncated: ${fileBytes} bytes (${pages} pages), but the ${name} B-tree's root is page ${root}` };
    }
  }
  const shortPages = meta.lastPage + 1n > pages ? Number(meta.lastPage + 1n - pages) : 0;
  return { t: "whole", fileBytes, meta, shortPages };
}

/**
 * Reads and checks the database file at `path`: its meta pages, then every B-tree page they
 * lead to (database-verifier.ts). Never maps it.
 */
export function checkDatabaseFile(path: string): DatabaseFileState {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { t: "absent" };
    throw err;
  }
  // A directory here would be LMDB's other layout (data.mdb inside), which this peer never writes.
  if (!isFile) return { t: "damaged", problem: "not a regular file" };
  const fd = openSync(path, "r");
  try {
    const fileBytes = fstatSync(fd).size;
    const head = Buffer.alloc(MAX_PAGE_BYTES + META_BYTES);
    const read = readSync(fd, head, 0, head.length, 0);
    const state = checkDatabaseHeader(head.subarray(0, read), fileBytes);
    if (state.t !== "whole") return state;
    const { meta } = state;
    const problem = verifyDatabaseTrees(fd, {
      pageBytes: meta.pageBytes,
      pages: BigInt(fileBytes / meta.pageBytes),
      freeRoot: meta.freeRoot,
      mainRoot: meta.mainRoot,
    });
    return problem === undefined ? state : { t: "damaged", problem };
  } finally {
    closeSync(fd);
  }
}
