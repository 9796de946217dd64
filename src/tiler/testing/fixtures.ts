/** Test fixtures: a test hub with the shared test rasters uploaded to a bucket. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, TESTDATA, type TestHub } from '../../testing/hub.ts';

export const RASTERS = join(TESTDATA, 'rasters');

/** Uploads `files` from ../shared/testdata/rasters into `bucket` (made private, owned by admin). */
export async function uploadRasters(hub: TestHub, bucket: string, files: string[]): Promise<void> {
  const admin = hub.services.identity.tokens.authenticate(ADMIN_TOKEN)!;
  await hub.services.storage.createBucket(admin, bucket);
  for (const f of files) {
    await hub.services.storage.putObject(admin, bucket, f, readFileSync(join(RASTERS, f)));
  }
}
