/** Response helpers: ETag and Cache-Control for images and JSON, and the public base URL of the API. */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TilerService } from './service.ts';

/** A strong ETag from the data's identity (source ids carry the objects' ETags) and the request. */
export function etagFor(dataId: string, req: FastifyRequest): string {
  return `"${createHash('sha1').update(dataId).update('\0').update(req.url).digest('hex').slice(0, 32)}"`;
}

/**
 * Sets the caching headers; returns true when the client's copy is current (a 304 was sent).
 * `private`: a tile may come from a bucket only this caller can read, so shared caches must not keep it.
 */
export function cacheHeaders(
  req: FastifyRequest,
  reply: FastifyReply,
  tiler: TilerService,
  etag: string,
): boolean {
  reply.header('ETag', etag);
  reply.header('Cache-Control', `private, max-age=${tiler.cacheMaxAge}`);
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    void reply.code(304).send();
    return true;
  }
  return false;
}

/** The origin users reach the API at: the configured public URL or the request's own host. */
export function baseUrl(req: FastifyRequest, publicUrl: string): string {
  if (publicUrl) return publicUrl;
  return `${req.protocol}://${req.host}`;
}

/** The request's query string with some parameters dropped, for links that carry the rendering options. */
export function passQuery(req: FastifyRequest, drop: string[]): string {
  const i = req.url.indexOf('?');
  if (i < 0) return '';
  const q = new URLSearchParams(req.url.slice(i + 1));
  for (const d of drop) q.delete(d);
  const s = q.toString();
  return s ? `?${s}` : '';
}
