/**
 * The access matrix of /hub/api: every endpoint, called by anonymous, a user (alice) on herself, the same user
 * on another user (bob), a token of alice's with fewer scopes, a revoked token, and an admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../../testing/hub.ts';

let hub: TestHub;
let alice: string; // all of alice's scopes
let aliceCatalogOnly: string; // a token of alice's with only read:catalog
let bobTokenId: string;

before(async () => {
  hub = await startTestHub();
  alice = await hub.user('alice');
  aliceCatalogOnly = hub.services.identity.tokens.create(hub.services.identity.users.get('alice'), {
    scopes: ['read:catalog'],
  }).token;
  await hub.user('bob');
  bobTokenId = hub.services.identity.tokens.list(hub.services.identity.users.get('bob'))[0]!.id;
});
after(async () => {
  await hub.close();
});

type Who = 'anonymous' | 'alice' | 'aliceLimited' | 'admin';
const tokenOf = (who: Who): string | null | undefined =>
  who === 'anonymous'
    ? null
    : who === 'alice'
      ? alice
      : who === 'aliceLimited'
        ? aliceCatalogOnly
        : undefined;

interface Case {
  method: string;
  path: () => string;
  body?: unknown;
  expect: Record<Who, number>;
}

// Each write case targets a user created for it, so that cases do not depend on each other's order.
const cases: Case[] = [
  {
    method: 'GET',
    path: () => '/hub/api/',
    expect: { anonymous: 200, alice: 200, aliceLimited: 200, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/user',
    expect: { anonymous: 401, alice: 200, aliceLimited: 200, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'POST',
    path: () => '/hub/api/users',
    body: { usernames: ['bulk1', 'bulk2'] },
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 201 },
  },
  {
    method: 'POST',
    path: () => '/hub/api/users/newuser',
    body: {},
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 201 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/alice',
    expect: { anonymous: 401, alice: 200, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/bob',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'PATCH',
    path: () => '/hub/api/users/bob',
    body: { groups: ['g1'] },
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'PATCH',
    path: () => '/hub/api/users/alice',
    body: { admin: true },
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/alice/tokens',
    expect: { anonymous: 401, alice: 200, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/bob/tokens',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'GET',
    path: () => `/hub/api/users/bob/tokens/${bobTokenId}`,
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'POST',
    path: () => '/hub/api/users/alice/tokens',
    body: { note: 'x' },
    expect: { anonymous: 401, alice: 201, aliceLimited: 403, admin: 201 },
  },
  {
    method: 'POST',
    path: () => '/hub/api/users/bob/tokens',
    body: {},
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 201 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/alice/credentials',
    expect: { anonymous: 401, alice: 200, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'GET',
    path: () => '/hub/api/users/bob/credentials',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'POST',
    path: () => '/hub/api/users/bob/credentials',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 200 },
  },
  {
    method: 'DELETE',
    path: () => '/hub/api/users/bob',
    expect: { anonymous: 401, alice: 403, aliceLimited: 403, admin: 204 },
  },
];

describe('access matrix', () => {
  // Admin last: its writes (deleting bob, making alice admin) must not change what the others see.
  for (const who of ['anonymous', 'aliceLimited', 'alice', 'admin'] as Who[]) {
    for (const c of cases) {
      test(`${who} ${c.method} ${c.path()}`, async () => {
        const r = await hub.api(c.path(), {
          method: c.method,
          token: tokenOf(who),
          ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
        });
        const text = await r.text();
        assert.equal(r.status, c.expect[who], `${who} ${c.method} ${c.path()}: ${text}`);
        if (r.status >= 400) {
          const err = JSON.parse(text);
          assert.equal(err.status, r.status);
          assert.match(err.code, /^TH_/);
          assert.equal(typeof err.message, 'string');
          assert.doesNotMatch(text, /at .*\.ts:\d+/); // no stack trace
        }
      });
    }
  }
});

describe('tokens', () => {
  test('a wrong, revoked or expired token is 401', async () => {
    assert.equal((await hub.api('/hub/api/user', { token: 'th_not_a_real_token' })).status, 401);
    const admin = hub.services.identity.users.get('admin');
    const { token, model } = hub.services.identity.tokens.create(admin, {});
    assert.equal((await hub.api('/hub/api/user', { token })).status, 200);
    assert.equal(
      (await hub.api(`/hub/api/users/admin/tokens/${model.id}`, { method: 'DELETE' })).status,
      204,
    );
    assert.equal((await hub.api('/hub/api/user', { token })).status, 401);
    const short = hub.services.identity.tokens.create(admin, { expiresIn: 0.001 });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await hub.api('/hub/api/user', { token: short.token })).status, 401);
  });

  test('the JupyterHub "token" scheme works; other schemes are 401', async () => {
    const r = await hub.api('/hub/api/user', { token: null, headers: { authorization: `token ${alice}` } });
    assert.equal(r.status, 200);
    const basic = await hub.api('/hub/api/user', { token: null, headers: { authorization: 'Basic YTpi' } });
    assert.equal(basic.status, 401);
  });

  test('a token never has more rights than its owner', async () => {
    const carol = await hub.user('carol');
    const r = await hub.api('/hub/api/users/carol/tokens', {
      method: 'POST',
      token: carol,
      body: '{"scopes":["admin"]}',
    });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).code, 'TH_INVALID_SCOPE');
    // A limited token cannot mint a broader one.
    const limited = hub.services.identity.tokens.create(hub.services.identity.users.get('carol'), {
      scopes: ['self'],
    }).token;
    const r2 = await hub.api('/hub/api/users/carol/tokens', {
      method: 'POST',
      token: limited,
      body: '{"scopes":["storage"]}',
    });
    assert.equal(r2.status, 403);
    const r3 = await hub.api('/hub/api/users/carol/tokens', { method: 'POST', token: limited, body: '{}' });
    assert.equal(r3.status, 201);
    assert.deepEqual((await r3.json()).scopes, ['self']);
  });

  test('an admin token loses admin rights when its owner stops being admin', async () => {
    const dave = await hub.user('dave', { admin: true });
    assert.equal((await hub.api('/hub/api/users', { token: dave })).status, 200);
    hub.services.identity.users.update('dave', { admin: false });
    assert.equal((await hub.api('/hub/api/users', { token: dave })).status, 403);
  });
});

describe('bad input', () => {
  test('malformed JSON is a 400 that says so', async () => {
    const r = await hub.api('/hub/api/users/erin', { method: 'POST', body: '{"admin": tru' });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).code, 'TH_INVALID_JSON');
  });

  test('an oversized body is a 413', async () => {
    const r = await hub.api('/hub/api/users/erin', {
      method: 'POST',
      body: JSON.stringify({ groups: ['x'.repeat(11 * 1024 * 1024)] }),
    });
    assert.equal(r.status, 413);
    assert.equal((await r.json()).code, 'TH_PAYLOAD_TOO_LARGE');
  });

  test('invalid user names are a 400', async () => {
    for (const name of ['Upper', 'has space', '-dash', 'x'.repeat(65)]) {
      const r = await hub.api(`/hub/api/users/${encodeURIComponent(name)}`, { method: 'POST', body: '{}' });
      assert.equal(r.status, 400, name);
      assert.equal((await r.json()).code, 'TH_INVALID_USERNAME');
    }
  });

  test('unknown fields are refused, duplicates conflict, missing users are 404', async () => {
    assert.equal(
      (await hub.api('/hub/api/users/frank', { method: 'POST', body: '{"bogus":1}' })).status,
      400,
    );
    assert.equal((await hub.api('/hub/api/users/frank', { method: 'POST', body: '{}' })).status, 201);
    assert.equal((await hub.api('/hub/api/users/frank', { method: 'POST', body: '{}' })).status, 409);
    assert.equal((await hub.api('/hub/api/users/nobody')).status, 404);
    assert.equal((await hub.api('/hub/api/users/frank/tokens/tnope')).status, 404);
  });
});

describe('operations', () => {
  test('/hub/health, /metrics and the OpenAPI document', async () => {
    assert.deepEqual(await (await hub.api('/hub/health', { token: null })).json(), { status: 'ok' });
    const m = await (await hub.api('/metrics', { token: null })).text();
    assert.match(m, /terrahub_http_requests_total\{service="origin",method="GET",route="\/hub\/api\/user"/);
    const doc = await (await hub.api('/hub/api/openapi.json', { token: null })).json();
    assert.equal(doc.openapi.slice(0, 2), '3.');
    for (const p of [
      '/hub/api/users/{name}',
      '/hub/api/users/{name}/tokens/{id}',
      '/hub/api/users/{name}/credentials',
    ]) {
      assert.ok(doc.paths[p], `OpenAPI lacks ${p}`);
    }
  });

  test('credentials rotate', async () => {
    const before = await (await hub.api('/hub/api/users/alice/credentials')).json();
    const rotated = await (await hub.api('/hub/api/users/alice/credentials', { method: 'POST' })).json();
    assert.notEqual(rotated.access_key_id, before.access_key_id);
    assert.equal(hub.services.identity.users.byAccessKey(before.access_key_id), null);
    assert.equal(hub.services.identity.users.byAccessKey(rotated.access_key_id)?.user.name, 'alice');
    assert.equal(rotated.endpoint_url, hub.s3Url ?? rotated.endpoint_url);
  });
});
