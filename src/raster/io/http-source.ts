/** A ByteSource over an HTTP(S) URL that honours Range requests (S3, nginx, TerraHub's own storage). */
import { TerraHubError } from '../../core/errors.ts';
import type { ByteSource } from '../types.ts';

export async function httpSource(url: string, headers: Record<string, string> = {}): Promise<ByteSource> {
  const head = await fetch(url, { method: 'HEAD', headers });
  if (!head.ok) throw new TerraHubError('TH_NOT_FOUND', `HEAD ${url}: HTTP ${head.status}`);
  const size = Number(head.headers.get('content-length'));
  if (!Number.isFinite(size)) throw new TerraHubError('TH_UNPROCESSABLE', `HEAD ${url}: no Content-Length`);
  const etag = head.headers.get('etag') ?? '';
  return {
    size,
    id: `${url}#${etag}`,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const end = Math.min(size, offset + length) - 1;
      if (end < offset) return new Uint8Array(0);
      const r = await fetch(url, { headers: { ...headers, Range: `bytes=${offset}-${end}` } });
      if (r.status !== 206 && r.status !== 200)
        throw new TerraHubError('TH_UNAVAILABLE', `GET ${url}: HTTP ${r.status}`);
      const b = new Uint8Array(await r.arrayBuffer());
      // A server that ignores Range sends the whole object: cut out the part asked for.
      return r.status === 200 ? b.subarray(offset, end + 1) : b;
    },
  };
}
