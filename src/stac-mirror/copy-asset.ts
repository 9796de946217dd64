/**
 * Copying one asset of a source STAC API into TerraHub storage, streamed (never whole in memory). An object
 * already there with the same size and the source's ETag (recorded as `source-etag` when it was copied) is
 * skipped without reading its body, so an interrupted mirror resumes where it stopped. `s3://` hrefs (a
 * TerraHub source, or any API with a Planetary-Computer-shaped signing service) are signed through the
 * source's `/api/sas/v1/sign` first; with `sign: true`, http(s) hrefs are too (the Planetary Computer).
 */
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TerraHubError } from '../core/errors.ts';
import type { StacSource } from './stac-source.ts';

export interface StoredObject {
  size: number;
  user: Record<string, string>;
}

/** Where copied assets go (storage of this TerraHub, as some user). */
export interface AssetSink {
  head(bucket: string, key: string): Promise<StoredObject | null>;
  put(
    bucket: string,
    key: string,
    body: Readable,
    size: number | undefined,
    meta: { contentType?: string; user: Record<string, string> },
  ): Promise<void>;
}

export interface CopyRequest {
  href: string;
  bucket: string;
  key: string;
  type?: string | undefined;
}

export interface CopyResult {
  status: 'copied' | 'unchanged';
  bytes: number;
}

/** The URL to GET for an href: signed through the source's signing service where that is needed. */
export async function readableUrl(source: StacSource, href: string, sign: boolean): Promise<string> {
  if (!href.startsWith('s3://') && !sign) return href;
  if (!href.startsWith('s3://') && !href.startsWith('http'))
    throw new TerraHubError('TH_MIRROR_SOURCE', `cannot read asset href "${href}"`);
  const signer = new URL('/api/sas/v1/sign', source.root);
  signer.searchParams.set('href', href);
  const r = await source.get<{ href?: unknown }>(signer.toString());
  if (typeof r.href !== 'string')
    throw new TerraHubError('TH_MIRROR_SOURCE', `${signer.origin}/api/sas/v1/sign gave no href`);
  return r.href;
}

/** Copies `req.href` to `bucket/key` unless an identical copy is there; `onBytes` sees every chunk. */
export async function copyAsset(
  source: StacSource,
  sink: AssetSink,
  req: CopyRequest,
  opts: { sign: boolean; onBytes?: (n: number) => void },
): Promise<CopyResult> {
  const url = await readableUrl(source, req.href, opts.sign);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new TerraHubError('TH_MIRROR_SOURCE', `GET ${req.href}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new TerraHubError('TH_MIRROR_SOURCE', `GET ${req.href}: HTTP ${res.status}`);
  }
  const lengthHeader = res.headers.get('content-length');
  const size = lengthHeader !== null ? Number(lengthHeader) : undefined;
  const etag = res.headers.get('etag') ?? '';
  const have = await sink.head(req.bucket, req.key);
  // The same bytes are there when size and source ETag agree (or, lacking an ETag, size and href).
  if (
    have &&
    size !== undefined &&
    have.size === size &&
    (etag ? have.user['source-etag'] === etag : have.user['source-href'] === req.href)
  ) {
    await res.body.cancel();
    opts.onBytes?.(size);
    return { status: 'unchanged', bytes: size };
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      opts.onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  body.on('error', (e) => counter.destroy(e));
  const contentType = req.type ?? res.headers.get('content-type') ?? undefined;
  await sink.put(req.bucket, req.key, body.pipe(counter), size, {
    ...(contentType ? { contentType } : {}),
    user: { 'source-etag': etag, 'source-href': req.href },
  });
  if (size !== undefined && bytes !== size)
    throw new TerraHubError('TH_MIRROR_SOURCE', `GET ${req.href}: got ${bytes} of ${size} bytes`);
  return { status: 'copied', bytes };
}
