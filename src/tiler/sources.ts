/**
 * Turns a `url` parameter into an open RasterDataset, with the caller's rights. TerraHub storage hrefs
 * (`s3://bucket/key`, or the S3 endpoint's own http URL) go through the storage service, which checks that
 * the caller may read the bucket on every request. Other http(s) URLs are read only when their host is on the
 * admin's allow-list (`tiler.allowedHosts`): anything else is refused, so the API cannot be turned against
 * hosts inside the network (SSRF). Open datasets are kept by source id (which carries the ETag) so repeated
 * tiles skip header parsing.
 */
import type { Principal } from '../core/identity/index.ts';
import { isTerraHubError, TerraHubError } from '../core/errors.ts';
import { ChunkCache, httpSource, openRaster } from '../raster/index.ts';
import type { ByteSource, RasterDataset } from '../raster/types.ts';
import { cachedSource, type ByteRangeCache } from './range-cache.ts';

/** What the data API needs of storage (a narrow view of StorageService). */
export interface StorageAccess {
  openObject(p: Principal, bucket: string, key: string): Promise<ByteSource>;
  parseHref(href: string): { bucket: string; key: string } | null;
}

const MAX_OPEN_DATASETS = 32;

export class RasterSources {
  private readonly datasets = new Map<string, Promise<RasterDataset>>();
  private readonly allowedHosts: Set<string>;
  /** Decoded blocks of every open dataset, in one budget: neighbouring tiles reuse blocks undecoded. */
  readonly blocks: ChunkCache;

  constructor(
    private readonly storage: StorageAccess | null,
    private readonly cache: ByteRangeCache,
    allowedHosts: string,
    blockCacheSize = 256 * 1024 * 1024,
  ) {
    this.blocks = new ChunkCache(blockCacheSize);
    this.allowedHosts = new Set(
      allowedHosts
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    );
  }

  /** The byte source behind `url` for `principal`, or an error saying why not. */
  async source(principal: Principal, url: string): Promise<ByteSource> {
    const ref = this.storage?.parseHref(url) ?? null;
    if (ref) return this.storage!.openObject(principal, ref.bucket, ref.key);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TerraHubError('TH_TILER_URL_NOT_ALLOWED', `url "${url}" is not a storage href or URL`);
    }
    const host = parsed.host.toLowerCase();
    if (
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      (this.allowedHosts.has(host) || this.allowedHosts.has(parsed.hostname.toLowerCase()))
    ) {
      return httpSource(url);
    }
    throw new TerraHubError(
      'TH_TILER_URL_NOT_ALLOWED',
      `url "${url}" is not in TerraHub storage and its host is not allow-listed (tiler.allowedHosts)`,
    );
  }

  async open(principal: Principal, url: string): Promise<RasterDataset> {
    const src = await this.source(principal, url);
    return this.openSource(src);
  }

  /** Opens (or reuses) the dataset of an already-authorized source. */
  openSource(src: ByteSource): Promise<RasterDataset> {
    const hit = this.datasets.get(src.id);
    if (hit) {
      this.datasets.delete(src.id);
      this.datasets.set(src.id, hit);
      return hit;
    }
    const p = openRaster(cachedSource(src, this.cache), { blockCache: this.blocks }).catch((e: unknown) => {
      this.datasets.delete(src.id);
      if (isTerraHubError(e)) throw e;
      throw new TerraHubError(
        'TH_TILER_SOURCE_UNREADABLE',
        `the raster could not be read: ${(e as Error).message}`,
      );
    });
    this.datasets.set(src.id, p);
    while (this.datasets.size > MAX_OPEN_DATASETS) {
      const oldest = this.datasets.keys().next().value as string;
      this.datasets.delete(oldest);
    }
    return p;
  }
}
