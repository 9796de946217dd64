/**
 * The fs driver's multipart objects kept as segments (no second copy of the bytes), their readers, and
 * the index's bounded prefix scans.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FsIndex, prefixEnd } from './fs-index.ts';
import { FsObjectStore } from './fs-store.ts';

const MiB = 1024 * 1024;
const B = 'seg';

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Bytes of every file under `dir`. */
function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  }
  return n;
}

async function multipart(s: FsObjectStore, key: string, parts: Buffer[]): Promise<void> {
  const id = await s.createUpload(B, key, { user: {} });
  const done = [];
  for (const [i, p] of parts.entries()) done.push(await s.putPart(id, i + 1, Readable.from([p])));
  await s.completeUpload(
    id,
    done.map((p, i) => ({ partNumber: i + 1, etag: p.etag })),
  );
}

void describe('fs driver: multipart objects as segments', () => {
  let dir: string;
  let s: FsObjectStore;
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 7), randomBytes(1234)];
  const whole = Buffer.concat(parts);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terrahub-fs-seg-'));
    s = new FsObjectStore(dir);
    await s.createBucket(B);
    await multipart(s, 'mp', parts);
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('stores the bytes once: completing moves the parts, it does not copy them', () => {
    assert.equal(bytesUnder(join(dir, 'data', B)), whole.length);
    assert.deepEqual(readdirSync(join(dir, 'uploads')), []);
  });

  void it('reads the whole object and ranges across segment boundaries', async () => {
    assert.ok((await readAll((await s.get(B, 'mp'))!.body)).equals(whole));
    for (const [start, end] of [
      [5 * MiB - 3, 5 * MiB + 2],
      [0, whole.length - 1],
      [10 * MiB + 5, whole.length - 1],
      [5 * MiB - 1, 10 * MiB + 8],
    ] as const) {
      const want = whole.subarray(start, end + 1);
      assert.ok((await readAll((await s.get(B, 'mp', { start, end }))!.body)).equals(want));
      const o = (await s.open(B, 'mp'))!;
      assert.ok((await o.read({ start, end })).equals(want), `read ${start}-${end}`);
      const into = Buffer.alloc(want.length + 100);
      const o2 = (await s.open(B, 'mp'))!;
      assert.ok((await o2.read({ start, end }, into)).equals(want));
      const o3 = (await s.open(B, 'mp'))!;
      assert.ok((await readAll(o3.stream({ start, end }))).equals(want));
    }
    assert.ok((await s.readRange(B, 'mp', 5 * MiB - 2, 4)).equals(whole.subarray(5 * MiB - 2, 5 * MiB + 2)));
  });

  void it('lets a reader finish the old version when the object is replaced meanwhile', async () => {
    await multipart(s, 'replaced', parts);
    const got = (await s.get(B, 'replaced'))!;
    await s.put(B, 'replaced', Readable.from([Buffer.from('new')]), { user: {} });
    assert.ok((await readAll(got.body)).equals(whole), 'the reader gets the old version whole');
    // Once read, the old segments go (removed in the background): only the live versions' bytes remain.
    for (let i = 0; i < 200 && bytesUnder(join(dir, 'data', B)) !== whole.length + 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(bytesUnder(join(dir, 'data', B)), whole.length + 3);
    assert.equal((await s.readRange(B, 'replaced', 0, 10)).toString(), 'new');
    await s.delete(B, 'replaced');
  });

  void it('keeps segments, and parts that a completion moved before a crash, through the orphan sweep', async () => {
    const id = await s.createUpload(B, 'crashed', { user: {} });
    const p1 = await s.putPart(id, 1, Readable.from([parts[0]!]));
    const p2 = await s.putPart(id, 2, Readable.from([parts[2]!]));
    // A completion cut short after moving part 1 into the bucket, before its index commit.
    const [v1] = readdirSync(join(dir, 'uploads', id)).filter(
      (f) => statSync(join(dir, 'uploads', id, f)).size === parts[0]!.length,
    );
    mkdirSync(join(dir, 'data', B, v1!.slice(0, 2)), { recursive: true });
    renameSync(join(dir, 'uploads', id, v1!), join(dir, 'data', B, v1!.slice(0, 2), v1!));
    assert.equal(await s.sweepOrphans(new Date(Date.now() + 60_000)), 0);
    const info = await s.completeUpload(id, [
      { partNumber: 1, etag: p1.etag },
      { partNumber: 2, etag: p2.etag },
    ]);
    assert.equal(info.size, parts[0]!.length + parts[2]!.length);
    const back = await readAll((await s.get(B, 'crashed'))!.body);
    assert.ok(back.equals(Buffer.concat([parts[0]!, parts[2]!])));
    assert.equal(await s.sweepOrphans(new Date(Date.now() + 60_000)), 0);
    assert.ok((await readAll((await s.get(B, 'mp'))!.body)).equals(whole));
  });

  void it('keeps a one-part upload as a plain file', async () => {
    await multipart(s, 'one', [parts[2]!]);
    assert.ok((await s.readRange(B, 'one', 0, 5000)).equals(parts[2]!));
  });
});

void describe('fs index', () => {
  void it('bounds a prefix scan by the first string past the prefix', () => {
    assert.equal(prefixEnd(''), null);
    assert.equal(prefixEnd('a/'), 'a0');
    assert.equal(prefixEnd('ab'), 'ac');
    assert.equal(prefixEnd('a\u{10FFFF}'), 'b');
    assert.equal(prefixEnd('\u{10FFFF}'), null);
    assert.equal(prefixEnd('x\uD7FF'), 'x\uE000');
    assert.equal(prefixEnd('😀'), '😁');
  });

  void it('lists prefixes exactly, in byte order, around keys that sort next to the bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrahub-fs-idx-'));
    const idx = new FsIndex(join(dir, 'index.db'));
    try {
      idx.addBucket('b');
      const keys = ['a', 'a/', 'a/1', 'a/\u{10FFFF}', 'a/\u{10FFFF}z', 'a0', 'a\uFFFF', 'a😀', 'b'];
      for (const key of keys) {
        idx.upsert('b', {
          key,
          version: key,
          size: 1,
          etag: '"x"',
          lastModified: new Date(),
          meta: { user: {} },
          segments: null,
        });
      }
      const list = (prefix: string, after = '', limit = 100) =>
        idx.list('b', prefix, after, limit).map((o) => o.key);
      assert.deepEqual(list('a/'), ['a/', 'a/1', 'a/\u{10FFFF}', 'a/\u{10FFFF}z']);
      assert.deepEqual(list('a/', 'a/1'), ['a/\u{10FFFF}', 'a/\u{10FFFF}z']);
      assert.deepEqual(list('a/', 'a/', 1), ['a/1']);
      assert.deepEqual(list('a', 'a0'), ['a\uFFFF', 'a😀']);
      assert.deepEqual(list('', 'a😀'), ['b']);
      assert.deepEqual(list('', '', 3), ['a', 'a/', 'a/1']);
    } finally {
      idx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('opens an index written before segments existed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrahub-fs-old-'));
    const path = join(dir, 'index.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE objects (bucket TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL,
      size INTEGER NOT NULL, etag TEXT NOT NULL, mtime INTEGER NOT NULL, meta TEXT NOT NULL,
      PRIMARY KEY (bucket, key)) WITHOUT ROWID;
      INSERT INTO objects VALUES ('b', 'k', 'v1', 3, '"e"', 0, '{"user":{"a":"1"}}');`);
    old.close();
    const idx = new FsIndex(path);
    try {
      const got = idx.find('b', 'k');
      assert.equal(got?.version, 'v1');
      assert.equal(got?.segments, null);
      assert.deepEqual(got?.meta.user, { a: '1' });
      assert.deepEqual([...idx.liveVersions()], ['v1']);
    } finally {
      idx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
