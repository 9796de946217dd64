import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../core/db.ts';
import { Identity } from '../core/identity/index.ts';
import { userEnvironment, userEnvironmentFor } from './user-env.ts';

const base = {
  publicUrl: 'http://127.0.0.1:8000/',
  s3Url: 'http://127.0.0.1:9000',
  user: 'alice',
  token: 'th_alice_token',
  s3Credentials: { accessKeyId: 'THAKID', secretAccessKey: 'secret' },
};

void test('gives the variables of every client the user works with', () => {
  const env = userEnvironment(base);
  assert.equal(env['TERRAHUB_URL'], 'http://127.0.0.1:8000');
  assert.equal(env['TERRAHUB_TOKEN'], 'th_alice_token');
  assert.equal(env['TERRAHUB_USER'], 'alice');
  assert.equal(env['STAC_URL'], 'http://127.0.0.1:8000/api/stac/v1');
  assert.equal(env['TERRAHUB_SAS_URL'], 'http://127.0.0.1:8000/api/sas/v1');
  assert.equal(env['AWS_ENDPOINT_URL'], 'http://127.0.0.1:9000');
  assert.equal(env['FSSPEC_S3_ENDPOINT_URL'], 'http://127.0.0.1:9000');
  assert.equal(env['AWS_ACCESS_KEY_ID'], 'THAKID');
  assert.equal(env['AWS_SECRET_ACCESS_KEY'], 'secret');
  assert.equal(env['AWS_REGION'], 'us-east-1');
  assert.equal(env['AWS_DEFAULT_REGION'], 'us-east-1');
  // GDAL's form: host:port without a scheme, path-style, plain HTTP.
  assert.equal(env['AWS_S3_ENDPOINT'], '127.0.0.1:9000');
  assert.equal(env['AWS_VIRTUAL_HOSTING'], 'FALSE');
  assert.equal(env['AWS_HTTPS'], 'NO');
  assert.equal(env['GDAL_DISABLE_READDIR_ON_OPEN'], 'EMPTY_DIR');
  assert.equal(
    env['DASK_DISTRIBUTED__DASHBOARD__LINK'],
    'http://127.0.0.1:8000/user/alice/proxy/{port}/status',
  );
  for (const [k, v] of Object.entries(env)) assert.equal(typeof v, 'string', k);
});

void test('an https S3 endpoint on the default port is YES and host only', () => {
  const env = userEnvironment({
    ...base,
    publicUrl: 'https://hub.example.org/',
    s3Url: 'https://s3.example.org/',
    region: 'eu-west-1',
    serverName: 'gpu',
  });
  assert.equal(env['AWS_S3_ENDPOINT'], 's3.example.org');
  assert.equal(env['AWS_HTTPS'], 'YES');
  assert.equal(env['AWS_ENDPOINT_URL'], 'https://s3.example.org');
  assert.equal(env['AWS_REGION'], 'eu-west-1');
  assert.equal(env['TERRAHUB_SERVER_PREFIX'], '/user/alice/gpu/');
  assert.equal(
    env['DASK_DISTRIBUTED__DASHBOARD__LINK'],
    'https://hub.example.org/user/alice/gpu/proxy/{port}/status',
  );
});

void test('userEnvironmentFor takes the S3 keys of that user from the identity store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-userenv-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  try {
    const identity = new Identity(db, { tokenMaxAgeMs: 0 });
    await identity.users.create({ name: 'bob' });
    const keys = identity.users.credentials('bob');
    const env = userEnvironmentFor(
      { publicUrl: 'http://h:1', s3PublicUrl: 'http://h:2', identity },
      'bob',
      'th_bob',
    );
    assert.equal(env['AWS_ACCESS_KEY_ID'], keys.accessKeyId);
    assert.equal(env['AWS_SECRET_ACCESS_KEY'], keys.secretAccessKey);
    assert.equal(env['AWS_S3_ENDPOINT'], 'h:2');
    assert.throws(
      () =>
        userEnvironmentFor({ publicUrl: 'http://h:1', s3PublicUrl: 'http://h:2', identity }, 'nobody', 't'),
      {
        code: 'TH_USER_NOT_FOUND',
      },
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
