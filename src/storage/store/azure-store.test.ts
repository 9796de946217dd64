/**
 * The `azure` driver through the ObjectStore contract, against Azurite (npm) started here, plus what is
 * particular to it: key escaping in blob names and listing resumed from remembered positions.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { AzureObjectStore } from './azure-store.ts';
import { escapeKey, unescapeKey } from './azure-store.names.ts';
import { startAzurite, type Azurite } from './azurite.testing.ts';
import { runObjectStoreContract } from './contract.ts';

runObjectStoreContract('azure (Azurite)', async () => {
  const azurite = await startAzurite();
  const store = new AzureObjectStore({ connectionString: azurite.connectionString, container: 'terrahub' });
  return {
    store,
    async cleanup() {
      await store.close();
      azurite.stop();
    },
  };
});

void describe('azure driver specifics', () => {
  let azurite: Azurite;
  let s: AzureObjectStore;
  before(async () => {
    azurite = await startAzurite();
    s = new AzureObjectStore({ connectionString: azurite.connectionString, container: 'specifics' });
    await s.createBucket('b1');
    await s.createBucket('b2');
  });
  after(() => azurite.stop());

  void it('escapes keys so that no blob name has a dot segment, and unescapes them exactly', () => {
    for (const k of ['..', 'a/../b', 'x.', '.!', 'a.!.b', 'plain/key']) {
      const name = escapeKey(k);
      assert.ok(!name.split('/').some((seg) => seg === '.' || seg === '..'), name);
      assert.ok(!name.endsWith('.'), name);
      assert.equal(unescapeKey(name), k);
    }
  });

  void it('never lets a key reach another bucket through .. segments', async () => {
    await s.put('b1', '../b2/stolen', Readable.from([Buffer.from('x')]), { user: {} });
    assert.equal(await s.head('b2', 'stolen'), null);
    assert.deepEqual(
      (await s.list('b2', { limit: 10 })).map((o) => o.key),
      [],
    );
    assert.deepEqual(
      (await s.list('b1', { limit: 10 })).map((o) => o.key),
      ['../b2/stolen'],
    );
  });

  void it('pages through many keys, after a common prefix, and sees keys written between pages', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((k) => s.put('b2', k, Readable.from([Buffer.from(k)]), { user: {} })));
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = await s.list('b2', { prefix: 'p/', after, limit: 10 });
      if (page.length === 0) break;
      seen.push(...page.map((o) => o.key));
      after = page.at(-1)!.key;
      if (seen.length === 30) await s.put('b2', 'p/0305', Readable.from([Buffer.from('late')]), { user: {} });
    }
    assert.deepEqual(seen, [...keys, 'p/0305'].sort());
    // Past a whole common prefix (what ListObjects does with a delimiter).
    const past = await s.list('b2', { prefix: 'p/', after: 'p/04\u{10FFFF}', limit: 5 });
    assert.deepEqual(
      past.map((o) => o.key),
      ['p/050', 'p/051', 'p/052', 'p/053', 'p/054'],
    );
  });
});
