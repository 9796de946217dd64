import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../store/fs-store.ts';
import { ListReadAhead, type ListParams } from './list-ahead.ts';
import { listKeys } from './routes.list.ts';

/** Lets the read-ahead's setImmediate and its store reads run. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('listing read-ahead', () => {
  let dir: string;
  let store: FsObjectStore;
  const put = (key: string) => store.put('bkt', key, Readable.from([Buffer.from(key)]), { user: {} });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terrahub-list-ahead-'));
    store = new FsObjectStore(dir);
    await store.createBucket('bkt');
    for (const k of ['a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'b/1']) await put(k);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const first: ListParams = { prefix: 'a/', delimiter: '', marker: '', maxKeys: 2 };

  it('hands out the next page, the same as listing it then, once', async () => {
    const ahead = new ListReadAhead(store);
    const page1 = await listKeys(store, 'bkt', first);
    ahead.after('bkt', first, page1);
    await settle();
    const next = { ...first, marker: page1.last! };
    const page2 = ahead.take('bkt', next);
    assert.ok(page2, 'the next page was read ahead');
    assert.deepEqual(page2, await listKeys(store, 'bkt', next));
    assert.deepEqual(
      page2.contents.map((o) => o.key),
      ['a/3', 'a/4'],
    );
    assert.equal(ahead.take('bkt', next), null, 'a page is handed out once');
    assert.equal(ahead.take('bkt', { ...next, maxKeys: 3 }), null, 'other parameters: another page');
  });

  it('drops the page when anything was written after it was read', async () => {
    const ahead = new ListReadAhead(store);
    const page1 = await listKeys(store, 'bkt', first);
    ahead.after('bkt', first, page1);
    await settle();
    await put('a/2x');
    const next = { ...first, marker: page1.last! };
    assert.equal(ahead.take('bkt', next), null);
    assert.deepEqual(
      (await listKeys(store, 'bkt', next)).contents.map((o) => o.key),
      ['a/2x', 'a/3'],
    );
  });

  it('reads nothing ahead after the last page', async () => {
    const ahead = new ListReadAhead(store);
    const all = { ...first, maxKeys: 1000 };
    const page = await listKeys(store, 'bkt', all);
    assert.equal(page.truncated, false);
    ahead.after('bkt', all, page);
    await settle();
    assert.equal(ahead.take('bkt', { ...all, marker: page.last! }), null);
  });
});
