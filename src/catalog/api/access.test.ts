import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { collection, item } from '../testing.fixtures.ts';

const S = '/api/stac/v1';
let hub: TestHub;
let alice: string;
let bob: string;
let carol: string;
let aliceRead: string;
const json = (body: unknown) => ({ body: JSON.stringify(body) });

async function ids(path: string, token: string | null): Promise<string[]> {
  const r = await hub.api(path, { token });
  const b = (await r.json()) as { features?: Array<{ id: string }>; collections?: Array<{ id: string }> };
  return (b.features ?? b.collections ?? []).map((x) => x.id).sort();
}

before(async () => {
  hub = await startTestHub();
  alice = await hub.user('alice', { groups: ['lab'] });
  bob = await hub.user('bob');
  carol = await hub.user('carol', { groups: ['lab'] });
  aliceRead = hub.services.identity.tokens.create(hub.services.identity.users.get('alice'), {
    scopes: ['read:catalog'],
  }).token;
  // alice's collection is private to her; the admin's is public by default.
  assert.equal(
    (await hub.api(`${S}/collections`, { method: 'POST', token: alice, ...json(collection('secret')) }))
      .status,
    201,
  );
  assert.equal(
    (
      await hub.api(`${S}/collections/secret/items`, {
        method: 'POST',
        token: alice,
        ...json(item('s1', { props: { hidden: 1 } })),
      })
    ).status,
    201,
  );
  assert.equal(
    (await hub.api(`${S}/collections`, { method: 'POST', ...json(collection('open')) })).status,
    201,
  );
  assert.equal(
    (await hub.api(`${S}/collections/open/items`, { method: 'POST', ...json(item('o1')) })).status,
    201,
  );
});
after(async () => {
  await hub.close();
});

it('hides private collections from others everywhere: lists, search, counts, queryables', async () => {
  for (const token of [null, bob]) {
    assert.deepEqual(await ids(`${S}/collections`, token), ['open']);
    assert.deepEqual(await ids(`${S}/search`, token), ['o1']);
    assert.deepEqual(await ids(`${S}/search?collections=secret`, token), []);
    assert.equal((await hub.api(`${S}/collections/secret`, { token })).status, 404);
    assert.equal((await hub.api(`${S}/collections/secret/items`, { token })).status, 404);
    assert.equal((await hub.api(`${S}/collections/secret/items/s1`, { token })).status, 404);
    const count = (await (await hub.api(`${S}/search`, { token })).json()) as { numberMatched: number };
    assert.equal(count.numberMatched, 1);
    const q = (await (await hub.api(`${S}/queryables`, { token })).json()) as {
      properties: Record<string, unknown>;
    };
    assert.equal(q.properties['hidden'], undefined);
    const landing = JSON.stringify(await (await hub.api(`${S}/`, { token })).json());
    assert.ok(!landing.includes('secret'));
  }
  assert.deepEqual(await ids(`${S}/search`, alice), ['o1', 's1']);
  assert.deepEqual(await ids(`${S}/search`, null).then(() => ids(`${S}/search`, aliceRead)), ['o1', 's1']);
});

it('lets only the owner (with write:catalog) or an admin write', async () => {
  assert.equal(
    (await hub.api(`${S}/collections/open/items`, { method: 'POST', token: bob, ...json(item('b1')) }))
      .status,
    403,
  );
  assert.equal(
    (await hub.api(`${S}/collections/open/items`, { method: 'POST', token: null, ...json(item('b1')) }))
      .status,
    401,
  );
  const noScope = await hub.api(`${S}/collections/secret/items`, {
    method: 'POST',
    token: aliceRead,
    ...json(item('a2')),
  });
  assert.equal(noScope.status, 403);
  assert.equal(((await noScope.json()) as { code: string }).code, 'TH_MISSING_SCOPE');
  // bob cannot even learn that alice's collection exists
  assert.equal(
    (await hub.api(`${S}/collections/secret/items`, { method: 'POST', token: bob, ...json(item('b2')) }))
      .status,
    404,
  );
  assert.equal(
    (await hub.api(`${S}/collections/secret/items/s1`, { method: 'DELETE', token: bob })).status,
    404,
  );
  // the admin may write everything
  assert.equal(
    (await hub.api(`${S}/collections/secret/items`, { method: 'POST', ...json(item('adm')) })).status,
    201,
  );
});

it('shares with a group, then with everyone, through the access call or the collection field', async () => {
  assert.deepEqual(await ids(`${S}/search?collections=secret`, carol), []);
  const share = await hub.api(`${S}/collections/secret/access`, {
    method: 'PUT',
    token: alice,
    ...json({ groups: ['lab'] }),
  });
  assert.equal(share.status, 200);
  assert.deepEqual(await ids(`${S}/search?collections=secret`, carol), ['adm', 's1']);
  assert.deepEqual(await ids(`${S}/search?collections=secret`, bob), []);
  // carol may read but not write
  assert.equal(
    (await hub.api(`${S}/collections/secret/items`, { method: 'POST', token: carol, ...json(item('c1')) }))
      .status,
    403,
  );
  const pub = await hub.api(`${S}/collections/secret`, {
    method: 'PATCH',
    token: alice,
    ...json({ 'terrahub:access': { visibility: 'public' } }),
  });
  assert.equal(pub.status, 204, await pub.clone().text());
  assert.deepEqual(await ids(`${S}/search?collections=secret`, null), ['adm', 's1']);
  const shown = (await (await hub.api(`${S}/collections/secret`, { token: alice })).json()) as Record<
    string,
    { owner?: string; visibility: string }
  >;
  assert.deepEqual(shown['terrahub:access'], { visibility: 'public', owner: 'alice', groups: ['lab'] });
});
