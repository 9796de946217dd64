/**
 * `terrahub ingest --url`: the ingest pipeline aimed at a running TerraHub over HTTP, as any user with a
 * token can do it (from a notebook, a laptop): uploads through the S3 endpoint as parallel multipart
 * uploads that resume an interrupted upload of the same key (src/storage/client/transfer.ts), items through
 * the STAC transactions API, and the collection's extent grown to hold what was ingested.
 */
import { CopyObjectCommand, CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TerraHubApiError, type TerraHubClient } from '../../sdk/client.ts';
import { uploadFile } from '../../storage/client/transfer.ts';
import type { StacItemDoc } from '../cog/stac-item.ts';
import type { IngestTarget } from './ingest.ts';

export interface RemoteIngestOptions {
  partSize: number;
  concurrency: number;
  onBytes?: (n: number) => void;
}

type Json = Record<string, unknown>;

const COG_TYPE = 'image/tiff; application=geotiff; profile=cloud-optimized';

/** An S3 client on the hub's endpoint with the caller's own S3 credentials. */
export async function s3ClientFor(th: TerraHubClient): Promise<S3Client> {
  const c = await th.credentials();
  return new S3Client({
    endpoint: c.endpoint_url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key },
  });
}

function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** The union of the items' bboxes and datetimes, as a STAC extent. */
function extentOf(items: StacItemDoc[]): Json {
  const b = [180, 90, -180, -90];
  let lo = '';
  let hi = '';
  for (const it of items) {
    const ib = (it as unknown as { bbox?: number[] }).bbox;
    if (ib && ib.length >= 4) {
      b[0] = Math.min(b[0]!, ib[0]!);
      b[1] = Math.min(b[1]!, ib[1]!);
      b[2] = Math.max(b[2]!, ib[ib.length === 6 ? 3 : 2]!);
      b[3] = Math.max(b[3]!, ib[ib.length === 6 ? 4 : 3]!);
    }
    const t = (it as unknown as { properties: { datetime?: string } }).properties.datetime;
    if (t) {
      if (!lo || t < lo) lo = t;
      if (!hi || t > hi) hi = t;
    }
  }
  return { spatial: { bbox: [b] }, temporal: { interval: [[lo || null, hi || null]] } };
}

/** The extent `cur` grown to hold `add` (both STAC extents; the first bbox and interval of each). */
function union(cur: Json, add: Json): Json {
  const box = (e: Json) => ((e['spatial'] as Json | undefined)?.['bbox'] as number[][] | undefined)?.[0];
  const iv = (e: Json) =>
    ((e['temporal'] as Json | undefined)?.['interval'] as Array<Array<string | null>> | undefined)?.[0];
  const [c, a] = [box(cur), box(add)!];
  const bbox = c
    ? [Math.min(c[0]!, a[0]!), Math.min(c[1]!, a[1]!), Math.max(c[2]!, a[2]!), Math.max(c[3]!, a[3]!)]
    : a;
  const [ci, ai] = [iv(cur) ?? [null, null], iv(add)!];
  // null is open-ended in a stored extent, but only "unknown yet" in ours.
  const lo = ci[0] && ai[0] ? (ci[0] < ai[0] ? ci[0] : ai[0]) : (ci[0] ?? ai[0]);
  const hi = ci[1] && ai[1] ? (ci[1] > ai[1] ? ci[1] : ai[1]) : (ci[1] ?? ai[1]);
  return { spatial: { bbox: [bbox] }, temporal: { interval: [[lo ?? null, hi ?? null]] } };
}

export function remoteIngestTarget(th: TerraHubClient, s3: S3Client, o: RemoteIngestOptions): IngestTarget {
  const stac = '/api/stac/v1';
  const written = new Map<string, StacItemDoc[]>();
  const created = new Set<string>();
  return {
    async ensureBucket(bucket) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (e) {
        if ((e as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw e;
      }
    },
    async ensureCollection(id, create) {
      try {
        await th.request(`${stac}/collections/${encodeURIComponent(id)}`);
      } catch (e) {
        if (!(e instanceof TerraHubApiError && e.status === 404) || !create) throw e;
        await th.request(`${stac}/collections`, {
          method: 'POST',
          body: {
            type: 'Collection',
            stac_version: '1.0.0',
            id,
            description: 'Rasters ingested with terrahub ingest',
            license: 'other',
            extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
            links: [],
          },
        });
        created.add(id);
      }
    },
    async storedSha256(bucket, key) {
      try {
        const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return h.Metadata?.['sha256'] ?? null;
      } catch (e) {
        if (status(e) === 404) return null;
        throw e;
      }
    },
    async upload(bucket, key, path, _size, sha256) {
      await uploadFile(
        s3,
        path,
        { bucket, key },
        {
          partSize: o.partSize,
          concurrency: o.concurrency,
          ...(o.onBytes ? { onProgress: o.onBytes } : {}),
          meta: { contentType: COG_TYPE, user: { sha256 } },
        },
      );
      // A resumed upload keeps the metadata it was started with (an earlier run's, or none): set it again.
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (h.Metadata?.['sha256'] !== sha256) {
        await s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: key,
            CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'REPLACE',
            ContentType: COG_TYPE,
            Metadata: { sha256 },
          }),
        );
      }
    },
    async upsertItem(collection, item) {
      await th.request(`${stac}/collections/${encodeURIComponent(collection)}/items?mode=upsert`, {
        method: 'POST',
        body: item,
      });
      written.set(collection, [...(written.get(collection) ?? []), item]);
    },
    async finish(collection) {
      const items = written.get(collection);
      if (!items?.length) return;
      const path = `${stac}/collections/${encodeURIComponent(collection)}`;
      const cur = await th.request<Json>(path);
      const add = extentOf(items);
      // A collection made by this run starts from the items' extent, not the placeholder it was made with.
      const extent = created.has(collection) ? add : union((cur['extent'] ?? {}) as Json, add);
      const doc: Json = { ...cur, extent, links: [] };
      await th.request(path, { method: 'PUT', body: doc });
    },
  };
}
