/**
 * The ObjectStore contract: one suite every driver runs (`runObjectStoreContract('fs', makeFs)`), so that
 * the S3 endpoint behaves the same over any of them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ObjectStore } from './object-store.ts';

export interface ContractTarget {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

const meta = (user: Record<string, string> = {}) => ({ contentType: 'application/octet-stream', user });
const body = (data: string | Buffer) => Readable.from([Buffer.from(data)]);
const md5 = (b: Buffer | string) => `"${createHash('md5').update(b).digest('hex')}"`;

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function runObjectStoreContract(driver: string, make: () => Promise<ContractTarget>): void {
  void describe(`ObjectStore contract: ${driver}`, () => {
    let t: ContractTarget;
    let s: ObjectStore;
    const B = 'contract-bucket';
    before(async () => {
      t = await make();
      s = t.store;
      await s.createBucket(B);
    });
    after(async () => {
      await t.cleanup();
    });

    void it('stores, reads back, and reports size and MD5 ETag and metadata', async () => {
      const info = await s.put(B, 'a/b.txt', body('hello world'), meta({ owner: 'x' }));
      assert.equal(info.size, 11);
      assert.equal(info.etag, md5('hello world'));
      const head = await s.head(B, 'a/b.txt');
      assert.equal(head?.etag, info.etag);
      assert.deepEqual(head?.meta.user, { owner: 'x' });
      const got = await s.get(B, 'a/b.txt');
      assert.equal((await readAll(got!.body)).toString(), 'hello world');
    });

    void it('reads inclusive ranges and (offset, length) slices', async () => {
      await s.put(B, 'range', body('0123456789'), meta());
      const got = await s.get(B, 'range', { start: 2, end: 5 });
      assert.equal((await readAll(got!.body)).toString(), '2345');
      assert.equal((await s.readRange(B, 'range', 8, 10)).toString(), '89');
    });

    void it('keeps keys of any UTF-8 apart, including .. segments, and lists them in byte order', async () => {
      const keys = ['../escape', 'a b+c%20', 'ü/ñ', '😀', 'z', 'a/../../x', '.meta', 'x'.repeat(1000)];
      for (const k of keys) await s.put(B, `u/${k}`, body(k), meta());
      for (const k of keys) {
        const got = await s.get(B, `u/${k}`);
        assert.equal((await readAll(got!.body)).toString(), k);
      }
      const listed = (await s.list(B, { prefix: 'u/', limit: 100 })).map((o) => o.key);
      const expected = keys
        .map((k) => `u/${k}`)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.deepEqual(listed, expected);
    });

    void it('lists after a key, with a prefix and a limit', async () => {
      for (const k of ['l/1', 'l/2', 'l/3', 'l/4', 'lz']) await s.put(B, k, body(k), meta());
      const page = await s.list(B, { prefix: 'l/', after: 'l/1', limit: 2 });
      assert.deepEqual(
        page.map((o) => o.key),
        ['l/2', 'l/3'],
      );
    });

    void it('ends concurrent PUTs of one key on one whole version', async () => {
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, 65 + i));
      await Promise.all(versions.map((v) => s.put(B, 'race', body(v), meta())));
      const got = await readAll((await s.get(B, 'race'))!.body);
      assert.ok(
        versions.some((v) => v.equals(got)),
        'the object is one of the written versions, whole',
      );
      assert.equal((await s.head(B, 'race'))!.etag, md5(got));
    });

    void it('deletes objects and refuses to delete a non-empty bucket', async () => {
      await s.put(B, 'gone', body('x'), meta());
      assert.equal(await s.delete(B, 'gone'), true);
      assert.equal(await s.head(B, 'gone'), null);
      assert.equal(await s.delete(B, 'gone'), false);
      await assert.rejects(s.deleteBucket(B), { code: 'TH_S3_BUCKET_NOT_EMPTY' });
      await s.createBucket('contract-empty');
      await s.deleteBucket('contract-empty');
      assert.equal(await s.bucketExists('contract-empty'), false);
    });

    void it('aborts a write that exceeds maxBytes or fails its check, leaving the old version', async () => {
      await s.put(B, 'guarded', body('old'), meta());
      await assert.rejects(s.put(B, 'guarded', body('much too long'), meta(), { maxBytes: 4 }), {
        code: 'TH_S3_QUOTA_EXCEEDED',
      });
      await assert.rejects(
        s.put(B, 'guarded', body('new'), meta(), {
          check: () => {
            throw new Error('bad checksum');
          },
        }),
      );
      assert.equal((await s.readRange(B, 'guarded', 0, 10)).toString(), 'old');
    });

    void it('runs a write precondition on the version it would replace, keeping it when refused', async () => {
      const refuse = (current: { etag: string } | null) => {
        if (current?.etag === md5('first')) throw new Error('precondition failed');
      };
      const seen: Array<string | null> = [];
      await s.put(B, 'cond', body('first'), meta(), { precondition: (c) => void seen.push(c?.etag ?? null) });
      await assert.rejects(s.put(B, 'cond', body('second'), meta(), { precondition: refuse }), {
        message: 'precondition failed',
      });
      const id = await s.createUpload(B, 'cond', meta());
      const part = await s.putPart(id, 1, body('third'));
      await assert.rejects(
        s.completeUpload(id, [{ partNumber: 1, etag: part.etag }], { precondition: refuse }),
        { message: 'precondition failed' },
      );
      assert.deepEqual(seen, [null]);
      assert.equal((await s.readRange(B, 'cond', 0, 10)).toString(), 'first');
      await s.abortUpload(id);
    });

    void it('assembles multipart uploads with the S3 ETag and refuses wrong parts', async () => {
      const p1 = Buffer.alloc(5 * 1024 * 1024, 1);
      const p2 = Buffer.from('tail');
      const id = await s.createUpload(B, 'multi', meta({ m: '1' }));
      const r1 = await s.putPart(id, 1, body(p1));
      const r2 = await s.putPart(id, 2, body(p2));
      assert.deepEqual(
        (await s.listParts(id)).map((p) => p.partNumber),
        [1, 2],
      );
      assert.equal((await s.listUploads(B)).filter((u) => u.uploadId === id).length, 1);
      await assert.rejects(s.completeUpload(id, [{ partNumber: 1, etag: r2.etag }]), {
        code: 'TH_S3_INVALID_PART',
      });
      const info = await s.completeUpload(id, [
        { partNumber: 1, etag: r1.etag },
        { partNumber: 2, etag: r2.etag },
      ]);
      const inner = createHash('md5')
        .update(
          Buffer.concat([Buffer.from(r1.etag.slice(1, -1), 'hex'), Buffer.from(r2.etag.slice(1, -1), 'hex')]),
        )
        .digest('hex');
      assert.equal(info.etag, `"${inner}-2"`);
      assert.equal(info.size, p1.length + p2.length);
      assert.deepEqual((await s.head(B, 'multi'))!.meta.user, { m: '1' });
      assert.equal((await s.readRange(B, 'multi', p1.length - 1, 5)).toString('hex'), '017461696c');
      assert.equal(await s.getUpload(id), null);
    });

    void it('aborts and expires multipart uploads', async () => {
      const a = await s.createUpload(B, 'aborted', meta());
      await s.putPart(a, 1, body('x'));
      await s.abortUpload(a);
      await assert.rejects(s.listParts(a), { code: 'TH_S3_NO_SUCH_UPLOAD' });
      const old = await s.createUpload(B, 'stale', meta());
      assert.equal(await s.expireUploads(new Date(Date.now() + 1000)), 1);
      assert.equal(await s.getUpload(old), null);
    });
  });
}
