import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envName, loadConfig, redacted } from './load.ts';
import { CONFIG_KEYS } from './keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'terrahub-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('defaults are the documented ones', () => {
  const { config, sources } = loadConfig();
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8000);
  assert.equal(config['s3.port'], 9000);
  assert.equal(config.dataDir, './terrahub-data');
  assert.equal(sources.port, 'default');
});

test('precedence is default < file < environment < flag', () => {
  const f = file('p.yaml', 'port: 8100\ns3:\n  port: 9100\nlogLevel: debug\n');
  const { config, sources } = loadConfig({
    file: f,
    env: { TERRAHUB_PORT: '8200', TERRAHUB_S3_PORT: '9200' },
    flags: { port: '8300' },
  });
  assert.equal(config.port, 8300);
  assert.equal(sources.port, 'flag');
  assert.equal(config['s3.port'], 9200);
  assert.equal(sources['s3.port'], 'env');
  assert.equal(config.logLevel, 'debug');
  assert.equal(sources.logLevel, 'file');
});

test('TOML and JSON files are read too', () => {
  const t = file('c.toml', 'port = 8101\n[s3]\nport = 9101\n');
  assert.equal(loadConfig({ file: t }).config['s3.port'], 9101);
  const j = file('c.json', '{"dataDir": "/srv/th"}');
  assert.equal(loadConfig({ file: j }).config.dataDir, '/srv/th');
});

test('an unknown key in the file names the key and suggests the right one', () => {
  const f = file('u.yaml', 'prot: 1\n');
  assert.throws(
    () => loadConfig({ file: f }),
    (e: Error) => e instanceof ConfigError && /"prot"/.test(e.message),
  );
  const g = file('u2.yaml', 'datadir: /x\n');
  assert.throws(() => loadConfig({ file: g }), /did you mean "dataDir"/);
});

test('a bad value names the key, the source and the reason', () => {
  const f = file('b.yaml', 'port: 70000\n');
  assert.throws(() => loadConfig({ file: f }), /key "port": must be between 0 and 65535/);
  assert.throws(
    () => loadConfig({ env: { TERRAHUB_S3_PORT: 'nine' } }),
    /TERRAHUB_S3_PORT \(key "s3.port"\): must be an integer/,
  );
  assert.throws(() => loadConfig({ flags: { logLevel: 'loud' } }), /flag --log-level .*must be one of/);
  assert.throws(() => loadConfig({ env: { TERRAHUB_BODY_LIMIT: 'lots' } }), /must be a size/);
});

test('an unknown TERRAHUB_ variable is refused, client variables are not', () => {
  assert.throws(() => loadConfig({ env: { TERRAHUB_PROT: '1' } }), /TERRAHUB_PROT is not a TerraHub setting/);
  assert.doesNotThrow(() =>
    loadConfig({ env: { TERRAHUB_URL: 'http://x', TERRAHUB_TOKEN: 't', PATH: '/bin' } }),
  );
});

test('a file that is not valid YAML, or missing, is a ConfigError', () => {
  assert.throws(() => loadConfig({ file: file('bad.yaml', 'port: [1,\n') }), ConfigError);
  assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml') }), /cannot read config file .*ENOENT/);
});

test('sizes and durations parse with units', () => {
  const { config } = loadConfig({ env: { TERRAHUB_BODY_LIMIT: '2MiB', TERRAHUB_AUTH_TOKEN_MAX_AGE: '7d' } });
  assert.equal(config.bodyLimit, 2 * 1024 * 1024);
  assert.equal(config['auth.tokenMaxAge'], 7 * 86400e3);
});

test('every key maps to a TERRAHUB_ variable and has a description', () => {
  for (const [k, def] of Object.entries(CONFIG_KEYS)) {
    assert.match(envName(k), /^TERRAHUB_[A-Z0-9_]+$/);
    assert.ok(def.doc.length > 10, `key ${k} needs a description`);
    // Durations are written in seconds but held in ms, and structured values hold their parsed form, so only
    // the plain types round-trip.
    if (def.type !== 'duration' && def.type !== 'json') {
      assert.deepEqual(def.parse(def.default), def.default, `default of ${k}`);
    }
  }
  assert.equal(envName('dataDir'), 'TERRAHUB_DATA_DIR');
  assert.equal(envName('admin.token'), 'TERRAHUB_ADMIN_TOKEN');
});

test('secrets are redacted and have no command-line flag', () => {
  const { config } = loadConfig({ env: { TERRAHUB_ADMIN_TOKEN: 'sekret' } });
  assert.equal(redacted(config)['admin.token'], '********');
  for (const [k, def] of Object.entries(CONFIG_KEYS)) {
    if ('secret' in def && def.secret) assert.equal('flag' in def ? def.flag : undefined, undefined, k);
  }
});
