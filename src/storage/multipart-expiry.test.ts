import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startTestHub } from '../testing/hub.ts';

test('abandoned multipart uploads are removed after storage.multipartExpiry', async () => {
  const hub = await startTestHub({ 'storage.multipartExpiry': '1s' });
  try {
    await hub.user('erin');
    const store = hub.services.storage.store;
    const id = await store.createUpload('erin', 'abandoned.bin', { user: {} });
    assert.ok(await store.getUpload(id), 'the upload exists at first');
    // The sweeper runs every expiry period; wait (generously, for loaded machines) until it has run.
    for (let i = 0; i < 300 && (await store.getUpload(id)); i++) await sleep(100);
    assert.equal(await store.getUpload(id), null);
  } finally {
    await hub.close();
  }
});
