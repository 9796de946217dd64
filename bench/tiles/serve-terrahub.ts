/**
 * Benchmark helper: starts TerraHub on a free port with a fresh data directory, uploads the given COGs to the
 * bucket `bench`, prints one JSON line {"url", "token"} and serves until it gets SIGTERM or SIGINT.
 * Usage: tsx bench/tiles/serve-terrahub.ts FILE...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ADMIN_TOKEN, startTestHub } from '../../src/testing/hub.ts';

const hub = await startTestHub();
const admin = hub.services.identity.tokens.authenticate(ADMIN_TOKEN)!;
await hub.services.storage.createBucket(admin, 'bench');
for (const f of process.argv.slice(2)) {
  await hub.services.storage.putObject(admin, 'bench', basename(f), readFileSync(f));
}
console.log(JSON.stringify({ url: hub.url, token: ADMIN_TOKEN }));
const stop = async () => {
  await hub.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
