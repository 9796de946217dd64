/**
 * The JSON error shape of TerraHub's own APIs: `{"status", "code", "message"}` (plus details), never a stack.
 * Services with another protocol (STAC, S3, HTML pages) set their own handler in their plugin scope and reuse
 * `toTerraHubError` so that the mapping of causes to codes stays in one place.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toTerraHubError, type TerraHubError } from '../errors.ts';

export function errorBody(e: TerraHubError): Record<string, unknown> {
  return { status: e.status, code: e.code, message: e.message, ...(e.details ?? {}) };
}

/** Logs server faults with their stack (for operators), and client errors briefly. */
export function logError(req: FastifyRequest, raw: unknown, e: TerraHubError): void {
  if (e.status >= 500) req.log.error({ err: raw }, 'Request:Failed');
  else req.log.info({ code: e.code, status: e.status }, 'Request:Rejected');
}

export function jsonErrorHandler(raw: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const e = toTerraHubError(raw);
  logError(req, raw, e);
  void reply.status(e.status).type('application/json; charset=utf-8').send(errorBody(e));
}

export function jsonNotFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({
    status: 404,
    code: 'TH_NOT_FOUND',
    message: `no route for ${req.method} ${req.url.split('?')[0]}`,
  });
}
