/**
 * The signing service, shaped like the Planetary Computer's SAS API:
 * `GET /api/sas/v1/sign?href=<url>` -> `{"href": "<presigned url>", "msft:expiry": "<iso>"}` and
 * `GET /api/sas/v1/token/{bucket}` -> `{"token": "<query string>", "msft:expiry": "<iso>"}`.
 * It signs only what the caller (token, session, or nobody for public buckets) may read.
 */
import type { FastifyInstance } from 'fastify';
import { TerraHubError } from '../core/errors.ts';
import { bucketToken } from './s3/request.ts';
import type { StorageService } from './service.ts';

export interface SasOptions {
  storage: StorageService;
  /** Longest lifetime of a signed URL or token, in milliseconds. */
  maxAgeMs: number;
}

const MAX_SECONDS = 7 * 24 * 3600;

function lifetime(durationMinutes: number | undefined, maxAgeMs: number): number {
  const max = Math.min(MAX_SECONDS, Math.floor(maxAgeMs / 1000));
  if (durationMinutes === undefined) return max;
  return Math.max(60, Math.min(max, Math.floor(durationMinutes * 60)));
}

export async function sasRoutes(app: FastifyInstance, opts: SasOptions): Promise<void> {
  const { storage } = opts;
  const durationSchema = { type: 'number', minimum: 1, description: 'lifetime in minutes (capped)' };

  app.get<{ Querystring: { href: string; duration?: number } }>(
    '/sign',
    {
      schema: {
        summary: 'Sign an object href for reading (presigned S3 URL)',
        tags: ['sas'],
        querystring: {
          type: 'object',
          properties: { href: { type: 'string', minLength: 1 }, duration: durationSchema },
          required: ['href'],
        },
      },
    },
    async (req) => {
      const loc = storage.parseHref(req.query.href);
      if (!loc) {
        throw new TerraHubError(
          'TH_BAD_REQUEST',
          "href must be s3://bucket/key or a URL on this TerraHub's S3 endpoint",
        );
      }
      if (!storage.canRead(req.principal, loc.bucket)) {
        throw new TerraHubError(
          req.principal.user ? 'TH_FORBIDDEN' : 'TH_UNAUTHORIZED',
          `you may not read bucket "${loc.bucket}"`,
        );
      }
      const seconds = lifetime(req.query.duration, opts.maxAgeMs);
      return {
        href: storage.presignGet(loc.bucket, loc.key, seconds),
        'msft:expiry': new Date(Date.now() + seconds * 1000).toISOString(),
      };
    },
  );

  app.get<{ Params: { bucket: string }; Querystring: { duration?: number } }>(
    '/token/:bucket',
    {
      schema: {
        summary: 'A query-string token to read any object of a bucket',
        tags: ['sas'],
        params: { type: 'object', properties: { bucket: { type: 'string' } }, required: ['bucket'] },
        querystring: { type: 'object', properties: { duration: durationSchema } },
      },
    },
    async (req) => {
      const { bucket } = req.params;
      if (!storage.buckets.find(bucket)) throw new TerraHubError('TH_NOT_FOUND', `no bucket "${bucket}"`);
      if (!storage.canRead(req.principal, bucket)) {
        throw new TerraHubError(
          req.principal.user ? 'TH_FORBIDDEN' : 'TH_UNAUTHORIZED',
          `you may not read bucket "${bucket}"`,
        );
      }
      const seconds = lifetime(req.query.duration, opts.maxAgeMs);
      const expiry = Math.floor(Date.now() / 1000) + seconds;
      return {
        token: bucketToken(storage.buckets.secret('sas-signing-key'), bucket, expiry),
        'msft:expiry': new Date(expiry * 1000).toISOString(),
      };
    },
  );
}
