/**
 * The storage service: buckets with owners and policies, quotas, and objects read and written on behalf of
 * a principal, over any ObjectStore driver. No HTTP here; the S3 endpoint (./s3) and the signing service
 * (./sas.routes.ts) are thin layers over it, and other areas (data API, ingest) call it directly.
 */
import { Readable } from 'node:stream';
import { TerraHubError } from '../core/errors.ts';
import type { Principal, User } from '../core/identity/index.ts';
import type { ByteSource } from '../raster/types.ts';
import { mayAdminister, mayList, mayRead, mayWrite } from './access.ts';
import {
  type BucketPolicy,
  type BucketRecord,
  type BucketRegistry,
  homeBucketName,
  PRIVATE,
  PUBLIC_BUCKET,
  validateBucketName,
} from './buckets.ts';
import type {
  BodyCheck,
  ObjectInfo,
  ObjectMeta,
  ObjectStore,
  WritePrecondition,
} from './store/object-store.ts';
import { presignUrl } from './s3/sigv4.ts';

/** The access key of the signing service's presigned URLs (its secret is in the state database). */
export const SAS_ACCESS_KEY = 'TERRAHUBSIGNINGSERVICE';
export const MAX_KEY_BYTES = 1024;

export interface StorageOptions {
  /** Default per-user quota in bytes; 0 means none. */
  quotaBytes: number;
  /** The S3 endpoint as users reach it (read when needed: the port is known only once bound). */
  s3PublicUrl: () => string;
}

export interface PutExtras {
  /** Bytes the client announced, to refuse over-quota writes before reading them. */
  declaredLength?: number;
  check?: BodyCheck;
  /** The body's verified checksum, asked once the check passed, to keep with the object. */
  checksum?: () => ObjectMeta['checksum'] | null;
  precondition?: WritePrecondition;
}

export function validateKey(key: string): string {
  if (key.length === 0) throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'an object key cannot be empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new TerraHubError('TH_S3_KEY_TOO_LONG');
  return key;
}

export class StorageService {
  private readonly stored = new Set<string>();

  constructor(
    readonly store: ObjectStore,
    readonly buckets: BucketRegistry,
    private readonly opts: StorageOptions,
  ) {}

  /** Makes the registry's buckets exist in the driver, recounts usage, and makes the `public` bucket. */
  async start(): Promise<void> {
    this.buckets.add({
      name: PUBLIC_BUCKET,
      ownerId: null,
      home: false,
      policy: { ...PRIVATE, access: 'public-read' },
    });
    for (const b of this.buckets.all()) {
      await this.ensureStored(b.name);
      this.buckets.setUsage(b.name, await this.store.bucketSize(b.name));
    }
  }

  /** Runs inside the user-creating transaction: registers the home bucket (the driver's follows at once). */
  onUserCreated(user: User): void {
    let name = homeBucketName(user.name);
    if (!this.buckets.add({ name, ownerId: user.id, home: true, policy: PRIVATE })) {
      name = homeBucketName(`${user.name}.`); // taken by another bucket: the derived, hashed form
      if (!this.buckets.add({ name, ownerId: user.id, home: true, policy: PRIVATE })) return;
    }
    this.ensureStored(name).catch(() => this.stored.delete(name));
  }

  private async ensureStored(bucket: string): Promise<void> {
    if (this.stored.has(bucket)) return;
    this.stored.add(bucket);
    await this.store.createBucket(bucket);
  }

  homeBucket(user: User): string | null {
    return this.buckets.ownedBy(user.id).find((b) => b.home)?.name ?? null;
  }

  usage(user: User): { home_bucket: string | null; used_bytes: number; quota_bytes: number } {
    return {
      home_bucket: this.homeBucket(user),
      used_bytes: this.buckets.usedBy(user.id),
      quota_bytes: this.opts.quotaBytes,
    };
  }

  // --- buckets and access ---------------------------------------------------------------------------

  bucket(name: string): BucketRecord {
    const b = this.buckets.find(name);
    if (!b) throw new TerraHubError('TH_S3_NO_SUCH_BUCKET', `no bucket "${name}"`);
    return b;
  }

  canRead(p: Principal, bucket: string): boolean {
    const b = this.buckets.find(bucket);
    return b !== null && mayRead(p, b);
  }

  canWrite(p: Principal, bucket: string): boolean {
    const b = this.buckets.find(bucket);
    return b !== null && mayWrite(p, b);
  }

  requireRead(p: Principal, bucket: string): BucketRecord {
    const b = this.bucket(bucket);
    if (!mayRead(p, b)) throw new TerraHubError('TH_S3_ACCESS_DENIED', `you may not read bucket "${bucket}"`);
    return b;
  }

  requireWrite(p: Principal, bucket: string): BucketRecord {
    const b = this.bucket(bucket);
    if (!mayWrite(p, b))
      throw new TerraHubError('TH_S3_ACCESS_DENIED', `you may not write to bucket "${bucket}"`);
    return b;
  }

  listBuckets(p: Principal): BucketRecord[] {
    return this.buckets.all().filter((b) => mayList(p, b));
  }

  /** Users create buckets for themselves; admins too (owned by them). */
  async createBucket(p: Principal, name: string, policy: BucketPolicy = PRIVATE): Promise<BucketRecord> {
    validateBucketName(name);
    if (!p.user || !(p.scopes.has('storage') || p.scopes.has('admin'))) {
      throw new TerraHubError('TH_S3_ACCESS_DENIED', 'sign in with storage rights to create buckets');
    }
    const existing = this.buckets.find(name);
    if (existing) {
      throw new TerraHubError(existing.ownerId === p.user.id ? 'TH_S3_BUCKET_OWNED' : 'TH_S3_BUCKET_EXISTS');
    }
    if (!this.buckets.add({ name, ownerId: p.user.id, home: false, policy }))
      throw new TerraHubError('TH_S3_BUCKET_EXISTS');
    await this.ensureStored(name);
    return this.bucket(name);
  }

  async deleteBucket(p: Principal, name: string): Promise<void> {
    const b = this.bucket(name);
    if (!mayAdminister(p, b))
      throw new TerraHubError('TH_S3_ACCESS_DENIED', `only the owner may delete "${name}"`);
    // As on AWS, uploads still in progress do not keep a bucket with no objects alive: they go with it.
    if ((await this.store.list(name, { limit: 1 })).length === 0) {
      for (const u of await this.store.listUploads(name)) {
        await this.store.abortUpload(u.uploadId).catch(() => undefined);
      }
    }
    await this.store.deleteBucket(name);
    this.buckets.remove(name);
    this.stored.delete(name);
  }

  setPolicy(p: Principal, name: string, policy: BucketPolicy): void {
    const b = this.bucket(name);
    if (!mayAdminister(p, b))
      throw new TerraHubError('TH_S3_ACCESS_DENIED', `only the owner may change "${name}"`);
    this.buckets.setPolicy(name, policy);
  }

  // --- objects --------------------------------------------------------------------------------------

  /** Bytes the owner of `b` may still write (Infinity without owner or quota). */
  quotaLeft(b: BucketRecord): number {
    if (b.ownerId === null || this.opts.quotaBytes === 0) return Number.POSITIVE_INFINITY;
    return this.opts.quotaBytes - this.buckets.usedBy(b.ownerId);
  }

  private quotaFor(b: BucketRecord, replacing: number, declared: number | undefined): number {
    const left = this.quotaLeft(b) + replacing;
    if (declared !== undefined && declared > left) {
      throw new TerraHubError(
        'TH_S3_QUOTA_EXCEEDED',
        `writing ${declared} bytes would exceed the owner's storage quota`,
      );
    }
    return left;
  }

  async putObject(
    p: Principal,
    bucket: string,
    key: string,
    body: Buffer | Readable,
    meta: Partial<ObjectMeta> = {},
    extras: PutExtras = {},
  ): Promise<ObjectInfo> {
    const b = this.requireWrite(p, bucket);
    validateKey(key);
    const old = await this.store.head(bucket, key);
    const declared = Buffer.isBuffer(body) ? body.length : extras.declaredLength;
    const maxBytes = this.quotaFor(b, old?.size ?? 0, declared);
    const stream = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const full: ObjectMeta = { user: {}, ...meta };
    const { check, checksum } = extras;
    const info = await this.store.put(bucket, key, stream, full, {
      maxBytes,
      // Drivers record the metadata after the check: the verified checksum goes with it.
      check: async () => {
        await check?.();
        const sum = checksum?.();
        if (sum) full.checksum = sum;
      },
      ...(extras.precondition ? { precondition: extras.precondition } : {}),
    });
    this.buckets.addUsage(bucket, info.size - (old?.size ?? 0));
    return info;
  }

  async headObject(p: Principal, bucket: string, key: string): Promise<ObjectInfo | null> {
    this.requireRead(p, bucket);
    return this.store.head(bucket, key);
  }

  async deleteObject(p: Principal, bucket: string, key: string): Promise<void> {
    this.requireWrite(p, bucket);
    const old = await this.store.head(bucket, key);
    if (old && (await this.store.delete(bucket, key))) this.buckets.addUsage(bucket, -old.size);
  }

  /** Random access to an object, for the data API and COG readers. */
  async openObject(p: Principal, bucket: string, key: string): Promise<ByteSource> {
    this.requireRead(p, bucket);
    const info = await this.store.head(bucket, key);
    if (!info) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" in bucket "${bucket}"`);
    const store = this.store;
    return {
      size: info.size,
      id: `s3://${bucket}/${key}#${info.etag}`,
      read: (offset, length) => store.readRange(bucket, key, offset, length),
    };
  }

  /** Records a size change done through the driver directly (multipart completion, copies). */
  accountWrite(bucket: string, newSize: number, oldSize: number): void {
    this.buckets.addUsage(bucket, newSize - oldSize);
  }

  // --- URLs -----------------------------------------------------------------------------------------

  /** A presigned GET URL on the S3 endpoint. The caller checks that whoever gets it may read the object. */
  presignGet(bucket: string, key: string, expiresSeconds: number): string {
    return presignUrl({
      endpoint: this.opts.s3PublicUrl(),
      bucket,
      key,
      accessKeyId: SAS_ACCESS_KEY,
      secret: this.buckets.secret('sas-signing-key'),
      expiresSeconds,
    });
  }

  /** `s3://bucket/key` or `http(s)://<S3 public host>/bucket/key` as {bucket, key}; other hrefs: null. */
  parseHref(href: string): { bucket: string; key: string } | null {
    let rest: string;
    if (href.startsWith('s3://')) {
      rest = href.slice(5).split(/[?#]/)[0]!;
    } else {
      let url: URL;
      let base: URL;
      try {
        url = new URL(href);
        base = new URL(this.opts.s3PublicUrl());
      } catch {
        return null;
      }
      if (url.host !== base.host || url.protocol !== base.protocol) return null;
      const prefix = base.pathname.replace(/\/$/, '');
      if (!url.pathname.startsWith(prefix + '/')) return null;
      try {
        rest = decodeURIComponent(url.pathname.slice(prefix.length + 1));
      } catch {
        return null;
      }
    }
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return null;
    return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }
}
