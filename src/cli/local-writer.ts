/**
 * What the CLI commands that write into a local data directory (`ingest`, `mirror`) share: acting as a
 * named user with storage and catalog-writing rights, and a bucket made on first use.
 */
import { TerraHubError } from '../core/errors.ts';
import type { Principal } from '../core/identity/index.ts';
import type { Services } from '../server/services.ts';

/** User `userName` of `s`, with the rights to write storage and the catalog. */
export function writerPrincipal(s: Services, userName: string): Principal {
  return {
    user: s.identity.users.get(userName),
    scopes: new Set(['storage', 'read:catalog', 'write:catalog']),
    tokenId: null,
  };
}

/** Creates the bucket unless `p` already owns it. */
export async function ensureOwnBucket(s: Services, p: Principal, bucket: string): Promise<void> {
  try {
    await s.storage.createBucket(p, bucket);
  } catch (e) {
    if (!(e instanceof TerraHubError && e.code === 'TH_S3_BUCKET_OWNED')) throw e;
  }
}
