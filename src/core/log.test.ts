/** Request logs: one line per request with its id, no query strings, no credentials. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from './log.ts';
import { ADMIN_TOKEN, startTestHub } from '../testing/hub.ts';

test('request logs carry the request id and strip query strings and secrets', async () => {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d: Buffer) => (text += d.toString()));
  const hub = await startTestHub({ logLevel: 'info' }, { logger: createLogger('info', sink) });
  try {
    const r = await hub.api('/hub/api/user?X-Amz-Signature=deadbeef&token=sekret', {
      headers: { 'x-request-id': 'req-abc-123', cookie: 'terrahub-session=sekret' },
    });
    assert.equal(r.status, 200);
  } finally {
    await hub.close();
  }
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { reqId?: string; req?: { path?: string }; msg?: string });
  const incoming = lines.find((l) => l.reqId === 'req-abc-123' && l.req);
  assert.ok(incoming, 'the request is logged with the id the client sent');
  assert.equal(incoming.req?.path, '/hub/api/user');
  assert.ok(lines.some((l) => l.reqId === 'req-abc-123' && l.msg === 'request completed'));
  assert.doesNotMatch(text, /deadbeef|sekret/);
  assert.ok(!text.includes(ADMIN_TOKEN), 'the bearer token never reaches the log');
});
