/**
 * Object storage: the `StorageService` other areas use (on `services.storage`), and how it is built.
 *
 * The service, for callers with a `Principal` (a hub token's user and scopes, or an S3 key's user):
 * - `openObject(p, bucket, key): Promise<ByteSource>` random access for the data API (range reads);
 * - `putObject(p, bucket, key, body: Buffer | Readable, meta?)` and `headObject(p, bucket, key)` for ingest;
 * - `presignGet(bucket, key, expiresSeconds): string` a GET URL on the S3 endpoint (check `canRead` first);
 * - `canRead(p, bucket)` / `canWrite(p, bucket)`;
 * - `parseHref(href)` -> `{bucket, key}` for `s3://bucket/key` and `http(s)://<S3 public host>/bucket/key`;
 * - `usage(user)` -> `{home_bucket, used_bytes, quota_bytes}`; `homeBucket(user)`.
 * Errors are TerraHubErrors with TH_S3_* codes (TH_S3_NO_SUCH_BUCKET, TH_S3_NO_SUCH_KEY, TH_S3_ACCESS_DENIED,
 * TH_S3_QUOTA_EXCEEDED...). Every user gets a home bucket at creation (see `homeBucketName`), and a `public`
 * bucket is readable by anyone and writable by admins.
 */
import { join } from 'node:path';
import type { Config } from '../core/config/keys.ts';
import { migrate, type Db } from '../core/db.ts';
import type { Identity } from '../core/identity/index.ts';
import { BucketRegistry, STORAGE_MIGRATIONS } from './buckets.ts';
import { StorageService } from './service.ts';
import { FsObjectStore } from './store/fs-store.ts';
import { S3ObjectStore } from './store/s3-store.ts';
import { AzureObjectStore } from './store/azure-store.ts';
import { TerraHubError } from '../core/errors.ts';
import type { ObjectStore } from './store/object-store.ts';

export { StorageService, SAS_ACCESS_KEY, validateKey } from './service.ts';
export { homeBucketName, PUBLIC_BUCKET, type BucketPolicy, type BucketRecord } from './buckets.ts';
export type { ObjectInfo, ObjectMeta, ObjectStore } from './store/object-store.ts';

function makeStore(config: Config, dataDir: string): ObjectStore {
  switch (config['storage.driver']) {
    case 'fs':
      return new FsObjectStore(join(dataDir, 'objects'));
    case 's3':
      if (!config['storage.s3.bucket']) {
        throw new TerraHubError(
          'TH_BAD_REQUEST',
          'storage.driver s3 needs storage.s3.bucket (and usually storage.s3.endpoint)',
        );
      }
      return new S3ObjectStore(
        {
          region: config['storage.s3.region'],
          ...(config['storage.s3.endpoint'] ? { endpoint: config['storage.s3.endpoint'] } : {}),
          ...(config['storage.s3.accessKeyId']
            ? {
                credentials: {
                  accessKeyId: config['storage.s3.accessKeyId'],
                  secretAccessKey: config['storage.s3.secretAccessKey'],
                },
              }
            : {}),
        },
        config['storage.s3.bucket'],
      );
    case 'azure':
      if (!config['storage.azure.connectionString']) {
        throw new TerraHubError(
          'TH_BAD_REQUEST',
          'storage.driver azure needs storage.azure.connectionString (TERRAHUB_STORAGE_AZURE_CONNECTION_STRING)',
        );
      }
      return new AzureObjectStore({
        connectionString: config['storage.azure.connectionString'],
        container: config['storage.azure.container'],
      });
  }
}

/** Builds the storage service: driver, bucket registry, home buckets for new users. */
export async function buildStorage(o: {
  config: Config;
  dataDir: string;
  db: Db;
  identity: Identity;
  s3PublicUrl: () => string;
}): Promise<{ storage: StorageService; close: () => Promise<void> }> {
  migrate(o.db, 'storage', STORAGE_MIGRATIONS);
  const store = makeStore(o.config, o.dataDir);
  const storage = new StorageService(store, new BucketRegistry(o.db), {
    quotaBytes: o.config['storage.quota'],
    s3PublicUrl: o.s3PublicUrl,
  });
  o.identity.users.onUserCreated((u) => storage.onUserCreated(u));
  await storage.start();
  // Users made before storage existed (the bootstrap admin of an older data dir) get their home bucket too.
  for (const u of o.identity.users.list()) if (!storage.homeBucket(u)) storage.onUserCreated(u);
  const expiry = o.config['storage.multipartExpiry'];
  const sweep = async () => {
    await store.expireUploads(new Date(Date.now() - expiry)).catch(() => 0);
    await store.sweepOrphans?.(new Date(Date.now() - 3600_000)).catch(() => 0);
  };
  await sweep();
  const timer = setInterval(() => void sweep(), Math.min(expiry, 3600_000));
  timer.unref();
  return {
    storage,
    close: async () => {
      clearInterval(timer);
      await store.close();
    },
  };
}
