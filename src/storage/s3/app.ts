/**
 * The S3 endpoint as a Fastify plugin for its own listener: parses the request itself (paths may hold any
 * key; bodies stream straight to the store), authenticates it, picks the operation from method, path and
 * sub-resource, and renders every error as S3's XML body with S3's status code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toTerraHubError, TerraHubError } from '../../core/errors.ts';
import { logError } from '../../core/http/errors.ts';
import type { Identity } from '../../core/identity/index.ts';
import { SAS_ACCESS_KEY, type StorageService } from '../service.ts';
import { awaitsContinue, type S3Ctx, type S3Handler } from './context.ts';
import { parseS3Request, resolveCaller } from './request.ts';
import * as B from './routes.buckets.ts';
import { listObjects } from './routes.list.ts';
import * as M from './routes.multipart.ts';
import * as O from './routes.objects.ts';
import { listVersions } from './routes.versions.ts';
import { withFastGet, type RequestListener } from './fast-get.ts';
import { errorXml } from './xml.ts';

export interface S3AppOptions {
  storage: StorageService;
  identity: Identity;
  /** Host name for virtual-hosted-style requests (`bucket.<host>`), or null for path style only. */
  virtualHostBase: string | null;
  /** How GET bodies are sent (s3.sendfile, s3.sendfileMinBytes). */
  sendfile?: { mode: 'native' | 'js'; minBytes: number };
}

const notImplemented: S3Handler = async (c) => {
  throw new TerraHubError(
    'TH_S3_NOT_IMPLEMENTED',
    `${c.req.method} with ?${[...c.r.query.keys()].join('&')} is not implemented`,
  );
};

/** Bucket sub-resources TerraHub does not implement (S3 has many); answered with NotImplemented. */
const UNSUPPORTED = [
  'cors',
  'lifecycle',
  'tagging',
  'website',
  'replication',
  'encryption',
  'logging',
  'notification',
  'object-lock',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'accelerate',
  'requestPayment',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'ownershipControls',
  'publicAccessBlock',
  'attributes',
];

/** Picks the operation; null when the method does not apply to the resource. */
function route(c: S3Ctx): S3Handler | null {
  const { bucket, key, query: q } = c.r;
  const m = c.req.method;
  if (!bucket) return m === 'GET' ? B.listBuckets : null;
  if (UNSUPPORTED.some((s) => q.has(s))) return notImplemented;
  if (!key) {
    if (q.has('policy')) return { GET: B.getPolicy, PUT: B.putPolicy, DELETE: B.deletePolicy }[m] ?? null;
    if (q.has('acl')) return { GET: B.getAcl, PUT: B.putAcl }[m] ?? null;
    if (q.has('location')) return m === 'GET' ? B.getLocation : null;
    if (q.has('versioning')) return m === 'GET' ? B.getVersioning : null;
    if (q.has('versions')) return m === 'GET' ? listVersions : null;
    if (q.has('uploads')) return m === 'GET' ? M.listUploads : null;
    if (q.has('delete')) return m === 'POST' ? O.deleteObjects : null;
    return { GET: listObjects, HEAD: B.headBucket, PUT: B.createBucket, DELETE: B.deleteBucket }[m] ?? null;
  }
  if (q.has('acl')) return { GET: B.getAcl, PUT: B.putAcl }[m] ?? null;
  if (q.has('uploads')) return m === 'POST' ? M.createUpload : null;
  if (q.has('uploadId')) {
    if (m === 'PUT') return q.has('partNumber') ? M.uploadPart : null;
    return { POST: M.completeUpload, DELETE: M.abortUpload, GET: M.listParts }[m] ?? null;
  }
  return (
    {
      GET: (x: S3Ctx) => O.getObject(x, false),
      HEAD: (x: S3Ctx) => O.getObject(x, true),
      PUT: O.putObject,
      DELETE: O.deleteObject,
    }[m] ?? null
  );
}

const EXPOSED =
  'ETag, Content-Length, Content-Range, Content-Type, Accept-Ranges, Last-Modified, x-amz-request-id, x-amz-version-id';

async function s3ErrorHandler(raw: Error, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const e = toTerraHubError(raw);
  logError(req, raw, e);
  const resource = (req.raw.url ?? '/').split('?')[0]!;
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  void reply.header('x-amz-request-id', req.id);
  if (awaitsContinue(req)) {
    // Refused before `100 Continue` was sent: the client has not sent its body and must not send it now.
    void reply.header('connection', 'close');
  } else if (!req.raw.complete) {
    // The body was refused part way. Read and drop what the client still sends (briefly), so that it sees
    // this answer rather than a reset, then close: the rest must not be parsed as the next request.
    void reply.header('connection', 'close');
    req.raw.resume();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      t.unref();
      req.raw.once('end', () => resolve());
      req.raw.once('close', () => resolve());
    });
  }
  // HEAD answers and 304s carry no body; S3 clients read the status alone there.
  if (req.method === 'HEAD' || e.status === 304) {
    await reply.status(e.status).send();
    return;
  }
  await reply
    .status(e.status)
    .type('application/xml')
    .send(errorXml(e, decodeSafe(resource), String(req.id)));
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export async function s3App(app: FastifyInstance, opts: S3AppOptions): Promise<void> {
  const sas = { accessKeyId: SAS_ACCESS_KEY, secret: () => opts.storage.buckets.secret('sas-signing-key') };
  // Bodies are object bytes: the handlers stream them; no parser may buffer them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  // An empty Content-Type (which S3 accepts) would be refused by Fastify's parser lookup as no media type;
  // signatures are checked against the raw headers, so dropping it from the parsed ones changes nothing else.
  app.addHook('onRequest', async (req) => {
    if (req.headers['content-type'] === '') delete req.headers['content-type'];
  });
  app.setErrorHandler(s3ErrorHandler);
  // `Expect`: S3 ignores values other than 100-continue, which Node's server would answer with 417; and
  // Node would send `100 Continue` before TerraHub has looked at the request. Both go to the handler, which
  // sends `100 Continue` once it starts reading an authorized body (acceptBody).
  const toHandler = (req: IncomingMessage, res: ServerResponse) => app.server.emit('request', req, res);
  app.server.on('checkExpectation', toHandler);
  app.server.on('checkContinue', toHandler);

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = parseS3Request(req.raw, opts.virtualHostBase);
    const caller = resolveCaller(r, opts.identity, sas);
    const c: S3Ctx = { req, reply, r, caller, svc: opts.storage };
    void reply.header('x-amz-request-id', req.id).header('server', 'TerraHub');
    const op = route(c);
    if (!op)
      throw new TerraHubError('TH_S3_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${r.resource}`);
    return op(c);
  };
  // CORS for browser tools (COG viewers reading presigned URLs): requests authenticate by signature, never
  // by cookies, so any origin may call; preflights are answered here without authentication.
  app.addHook('onSend', async (req, reply) => {
    if (req.headers.origin) {
      void reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', EXPOSED);
    }
  });
  app.options('/*', async (req, reply) => {
    // As S3: a preflight names its origin; anything else is not a CORS request.
    if (!req.headers.origin)
      throw new TerraHubError('TH_BAD_REQUEST', 'a CORS preflight needs an Origin header');
    return reply
      .status(200)
      .headers({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '3600',
      })
      .send();
  });
  const methods = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
  app.route({ method: methods, url: '/', handler, exposeHeadRoute: false });
  app.route({ method: methods, url: '/*', handler, exposeHeadRoute: false });
  app.setNotFoundHandler(handler);
  // Plain object GETs and HEADs, most of the traffic, are answered before Fastify (./fast-get.ts).
  const [fastify, ...others] = app.server.listeners('request') as RequestListener[];
  if (fastify && others.length === 0) {
    app.server.removeAllListeners('request');
    app.server.on('request', withFastGet({ ...opts, sas, log: app.log }, fastify));
  }
}
