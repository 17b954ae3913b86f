/**
 * Walks the B-trees of an LMDB file with plain reads, before anything maps it, so that damage
 * beyond the meta pages (a truncation that cut live pages, a stray write over a B-tree page)
 * stops the peer with a message instead of a SIGSEGV in the middle of a read. Every page the
 * walk reaches must lie inside the file, name itself (its pgno field) and carry the flags of
 * its kind; for a value on overflow pages only its first page is read.
 *
 * What it cannot see: garbage inside a value (the record quarantine's job) and damage to
 * pages the trees do not reach (free pages, which LMDB rewrites before reusing).
 *
 * Layout (lmdb-js 3.x's mdb.c; little-endian, 64-bit page numbers, PAGEBASE = header size):
 *   page header  0 u64 pgno · 16 u16 pad · 18 u16 flags · 20 u16 lower · 22 u16 upper
 *                (overflow pages: 20 u32 page count)
 *   node index   u16 offsets after the header, lower / 2 of them; node at offset + 24
 *   node         0 u16 lo · 2 u16 hi · 4 u16 flags · 6 u16 key size · 8 key · data
 *                branch: child pgno = lo | hi << 16 | flags << 32; leaf: data size = lo | hi << 16
 *   MDB_db (48)  … 40 u64 root (all ones: empty); the data of a named database's node in the main tree
 */
import { readSync } from "node:fs";

const HEADER = 24;
const NODE_HEADER = 8;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const DB_RECORD_BYTES = 48;
const NO_ROOT = 0xffff_ffff_ffff_ffffn;
/** Deeper than any real tree (a 4 KiB-page tree of depth 20 holds more than any disk). */
const MAX_DEPTH = 32;

export interface TreeRoots {
  pageBytes: number;
  /** Pages in the file. */
  pages: bigint;
  freeRoot: bigint;
  mainRoot: bigint;
}

/** A page read from the file, with readers for its fields. */
class Page {
  constructor(
    readonly no: bigint,
    readonly bytes: Buffer,
  ) {}
  get pgno(): bigint {
    return this.bytes.readBigUInt64LE(0);
  }
  get flags(): number {
    return this.bytes.readUInt16LE(18);
  }
  get lower(): number {
    return this.bytes.readUInt16LE(20);
  }
  get upper(): number {
    return this.bytes.readUInt16LE(22);
  }
}

/**
 * Verifies the free-list tree, the main tree and every named database in it. Returns what is
 * wrong (for the "damaged (…)" message), or undefined when every reachable page is sound.
 */
export function verifyDatabaseTrees(fd: number, roots: TreeRoots): string | undefined {
  const { pageBytes, pages } = roots;

  const read = (no: bigint, what: string): Page | string => {
    if (no < 2n || no >= pages) return `truncated: ${what} is page ${no}, beyond the file's ${pages} pages`;
    const bytes = Buffer.alloc(pageBytes);
    const got = readSync(fd, bytes, 0, pageBytes, Number(no) * pageBytes);
    if (got !== pageBytes) return `truncated: ${what} (page ${no}) could not be read whole`;
    const page = new Page(no, bytes);
    if (page.pgno !== no) return `overwritten: page ${no} (${what}) names itself page ${page.pgno}`;
    return page;
  };

  /** Checks one tree from `root`; `named` collects the named databases found in its leaves. */
  const walk = (tree: string, root: bigint, named?: { name: string; root: bigint }[]): string | undefined => {
    if (root === NO_ROOT) return undefined;
    const stack: { no: bigint; depth: number }[] = [{ no: root, depth: 1 }];
    while (stack.length > 0) {
      const { no, depth } = stack.pop()!;
      const what = `a page of the ${tree} B-tree`;
      if (depth > MAX_DEPTH) return `overwritten: the ${tree} B-tree is deeper than ${MAX_DEPTH} pages`;
      const page = read(no, what);
      if (typeof page === "string") return page;
      if (page.flags & P_LEAF2) continue; // packed fixed-size duplicates: no nodes to follow
      const kind = page.flags & (P_BRANCH | P_LEAF | P_OVERFLOW);
      if (kind !== P_BRANCH && kind !== P_LEAF) {
        return `overwritten: page ${no} (${what}) has flags 0x${page.flags.toString(16)}, not those of a B-tree page`;
      }
      const { lower, upper } = page;
      if (lower % 2 !== 0 || HEADER + lower > upper + HEADER || HEADER + upper > pageBytes) {
        return `overwritten: page ${no} (${what}) has impossible bounds ${lower}/${upper}`;
      }
      for (let i = 0; i < lower / 2; i++) {
        const at = page.bytes.readUInt16LE(HEADER + 2 * i) + HEADER;
        if (at < HEADER + upper || at + NODE_HEADER > pageBytes) return `overwritten: page ${no} (${what}) has a node outside it`;
        const lo = page.bytes.readUInt16LE(at);
        const hi = page.bytes.readUInt16LE(at + 2);
        const nodeFlags = page.bytes.readUInt16LE(at + 4);
        const keyBytes = page.bytes.readUInt16LE(at + 6);
        const dataAt = at + NODE_HEADER + keyBytes;
        if (kind === P_BRANCH) {
          if (dataAt > pageBytes) return `overwritten: page ${no} (${what}) has a key outside it`;
          stack.push({ no: BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nodeFlags) << 32n), depth: depth + 1 });
          continue;
        }
        const dataBytes = lo | (hi << 16);
        const storedBytes = nodeFlags & F_BIGDATA ? 8 : dataBytes;
        if (dataAt + storedBytes > pageBytes) return `overwritten: page ${no} (${what}) has a value outside it`;
        if (nodeFlags & F_BIGDATA) {
          const first = read(page.bytes.readBigUInt64LE(dataAt), `a value of the ${tree} B-tree`);
          if (typeof first === "string") return first;
          if ((first.flags & P_OVERFLOW) === 0) return `overwritten: page ${first.no} should start a value but has flags 0x${first.flags.toString(16)}`;
          const count = first.bytes.readUInt32LE(20);
          if (first.no + BigInt(count) > pages) return `truncated: a value on pages ${first.no}…${first.no + BigInt(count) - 1n} goes beyond the file's ${pages} pages`;
          if (count * pageBytes < dataBytes + HEADER) return `overwritten: page ${first.no} gives a value ${dataBytes} bytes long ${count} pages`;
        } else if (named && (nodeFlags & (F_SUBDATA | F_DUPDATA)) === F_SUBDATA && dataBytes === DB_RECORD_BYTES) {
          // lmdb-js stores names with their C string's terminating NUL.
          const name = page.bytes.toString("utf8", at + NODE_HEADER, dataAt).replace(/\0$/, "");
          named.push({ name, root: page.bytes.readBigUInt64LE(dataAt + 40) });
        }
      }
    }
    return undefined;
  };

  const named: { name: string; root: bigint }[] = [];
  const problem = walk("free-list", roots.freeRoot) ?? walk("main", roots.mainRoot, named);
  if (problem !== undefined) return problem;
  for (const db of named) {
    const p = walk(JSON.stringify(db.name), db.root);
    if (p !== undefined) return p;
  }
  return undefined;
}
