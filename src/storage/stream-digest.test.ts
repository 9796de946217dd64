/**
 * Bodies hashed (and written) by ./stream-digest.ts: the digests and the file must equal what node's own
 * hashes and a plain write give, for bodies kept on the event loop and bodies handed to the threads, many at
 * once (more than the shared batch buffers), and a body abandoned or failing half way.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { DIGEST_BATCH, StreamDigest } from './stream-digest.ts';

const dir = mkdtempSync(join(tmpdir(), 'th-digest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Feeds `body` in chunks of uneven sizes, as a socket would. */
async function feed(d: StreamDigest, body: Buffer): Promise<void> {
  const sizes = [1, 65536, 7, 300_000, 65536 * 3 + 5];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, body.length - at);
    const room = d.write(body.subarray(at, at + n));
    at += n;
    if (room) await room;
  }
}

function crc(b: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out;
}

describe('StreamDigest', () => {
  for (const size of [0, 100, DIGEST_BATCH - 1, DIGEST_BATCH, DIGEST_BATCH + 1, 5 * DIGEST_BATCH + 12345]) {
    it(`hashes and writes a body of ${size} bytes`, async () => {
      const body = randomBytes(size);
      const path = join(dir, `b${size}`);
      const fd = openSync(path, 'wx');
      const d = new StreamDigest(['md5', 'sha256', 'sha1', 'crc32'], fd);
      await feed(d, body);
      const got = await d.end();
      closeSync(fd);
      assert.deepEqual(got.md5, createHash('md5').update(body).digest());
      assert.deepEqual(got.sha256, createHash('sha256').update(body).digest());
      assert.deepEqual(got.sha1, createHash('sha1').update(body).digest());
      assert.deepEqual(got.crc32, crc(body));
      assert.ok(readFileSync(path).equals(body));
    });
  }

  // 20 bodies take 4 batches each (3 lent, 1 filling) before any comes back: more than the 64 shared
  // buffers, so some batches are buffers of their own (transferred).
  it('keeps many large bodies at once apart (more batches than the shared buffers)', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => randomBytes(4 * DIGEST_BATCH + i * 999));
    const digests = await Promise.all(
      bodies.map(async (b) => {
        const d = new StreamDigest(['md5']);
        await feed(d, b);
        return (await d.end()).md5!;
      }),
    );
    for (const [i, b] of bodies.entries()) {
      assert.deepEqual(digests[i], createHash('md5').update(b).digest(), `body ${i}`);
    }
  });

  it('lets an abandoned body go, and the next one still hashes', async () => {
    const d = new StreamDigest(['sha256']);
    await feed(d, randomBytes(3 * DIGEST_BATCH));
    await d.abort();
    const body = randomBytes(2 * DIGEST_BATCH + 1);
    const e = new StreamDigest(['sha256']);
    await feed(e, body);
    assert.deepEqual((await e.end()).sha256, createHash('sha256').update(body).digest());
  });

  it("reports a failed write with the system's error code", async () => {
    const path = join(dir, 'readonly');
    closeSync(openSync(path, 'w'));
    const fd = openSync(path, 'r');
    const d = new StreamDigest(['md5'], fd);
    await feed(d, randomBytes(2 * DIGEST_BATCH));
    await assert.rejects(d.end(), { code: 'EBADF' });
    closeSync(fd);
  });
});
