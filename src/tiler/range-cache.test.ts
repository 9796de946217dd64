import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ByteSource } from '../raster/types.ts';
import { ByteRangeCache, cachedSource } from './range-cache.ts';

function countingSource(id: string, size = 1 << 20): ByteSource & { reads: number } {
  const src = {
    id,
    size,
    reads: 0,
    async read(offset: number, length: number) {
      src.reads++;
      await new Promise((r) => setTimeout(r, 5));
      return new Uint8Array(length).fill(offset % 251);
    },
  };
  return src;
}

test('concurrent reads of one range share one read; later reads hit the cache', async () => {
  const cache = new ByteRangeCache(1 << 20);
  const src = countingSource('s3://b/k#etag1');
  const c = cachedSource(src, cache);
  const all = await Promise.all(Array.from({ length: 20 }, () => c.read(1000, 100)));
  assert.equal(src.reads, 1);
  assert.ok(all.every((b) => b.length === 100 && b[0] === 1000 % 251));
  await c.read(1000, 100);
  assert.equal(src.reads, 1);
  await c.read(2000, 100);
  assert.equal(src.reads, 2);
});

test('a new ETag is a new source: never stale bytes', async () => {
  const cache = new ByteRangeCache(1 << 20);
  const a = countingSource('s3://b/k#etag1');
  const b = countingSource('s3://b/k#etag2');
  await cachedSource(a, cache).read(0, 10);
  await cachedSource(b, cache).read(0, 10);
  assert.equal(a.reads + b.reads, 2);
});

test('the cache stays within its byte budget, dropping the least recently used', async () => {
  const cache = new ByteRangeCache(8000);
  const src = countingSource('x');
  const c = cachedSource(src, cache);
  for (let i = 0; i < 20; i++) await c.read(i * 1000, 1000);
  assert.ok(cache.size <= 8000, String(cache.size));
  await c.read(19000, 1000);
  assert.equal(src.reads, 20, 'the most recent range is still cached');
  await c.read(0, 1000);
  assert.equal(src.reads, 21, 'the oldest was dropped');
});

test('a failed read is not cached', async () => {
  const cache = new ByteRangeCache(1 << 20);
  let fail = true;
  const src: ByteSource = {
    id: 'f',
    size: 100,
    async read() {
      if (fail) throw new Error('boom');
      return new Uint8Array(1);
    },
  };
  await assert.rejects(cache.read(src, 0, 1));
  fail = false;
  assert.equal((await cache.read(src, 0, 1)).length, 1);
});
