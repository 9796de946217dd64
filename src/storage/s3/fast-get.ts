/**
 * The common read — GET or HEAD of one object, whole or one byte range, anonymous, presigned or signed —
 * answered straight from Node's `request` event, before Fastify's per-request work (request object, logger
 * child, hooks, reply object, header bookkeeping), which profiling showed to cost more than the read itself.
 *
 * It answers only requests whose answer is a success it can produce exactly as the normal path
 * (./routes.objects.ts getObject) would: same status, headers and bytes. Everything else — conditionals,
 * CORS, sub-resources, `response-*` overrides, `partNumber`, checksum mode, and every error (bad signature,
 * no such key, denied, 416) — goes to Fastify untouched, whose handlers decide and answer as before.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Identity } from '../../core/identity/index.ts';
import { mayRead } from '../access.ts';
import type { BucketRecord } from '../buckets.ts';
import type { StorageService } from '../service.ts';
import type { ByteRange, OpenObject } from '../store/object-store.ts';
import { objectHeaders } from './context.ts';
import { NativeBody, type NativeBodyOptions } from './fast-get-native.ts';
import { RangeBuffers } from './range-buffers.ts';
import { parseS3Request, resolveCaller, type Caller, type S3Request } from './request.ts';
import { parseRange } from './routes.objects.ts';

export interface FastGetOptions {
  storage: StorageService;
  identity: Identity;
  virtualHostBase: string | null;
  sas: { accessKeyId: string; secret: () => string };
  log: FastifyBaseLogger;
  /** Zero-copy bodies (./fast-get-native.ts); default: native when built, from 4 KiB. */
  sendfile?: NativeBodyOptions;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Query parameters that only authenticate the request (presigned URLs, tokens) or name the SDK operation. */
const AUTH_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
  // Taken as the header below (the SDK presigns GetObject with it).
  'x-amz-checksum-mode',
  'AWSAccessKeyId',
  'Expires',
  'Signature',
  'th-sas-bucket',
  'th-sas-expiry',
  'th-sas-sig',
  'x-id',
]);

/** Headers that change what a GET answers; requests with any of them take the normal path. */
const SPECIAL_HEADERS = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'origin',
  'expect',
];

/** As ./routes.objects.ts: ranges up to this size are read into one buffer; larger ones are streamed. */
const BUFFERED_RANGE = 4 * 1024 * 1024;
/** Log levels at which Fastify logs every request (and so does the fast path, once per request). */
const LOGS_REQUESTS = new Set(['info', 'debug', 'trace']);
/** How long a bucket's record (policy, owner) is reused without a change through the registry. */
const BUCKET_TTL_MS = 1000;

/** Whether the request is one the fast path may answer, from its method, URL and headers alone. */
function eligible(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const h = req.headers;
  for (const name of SPECIAL_HEADERS) if (h[name] !== undefined) return false;
  if (h.range !== undefined && !/^\s*bytes=\d*-\d*\s*$/.test(h.range)) return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q < 0) return true;
  for (const pair of url.slice(q + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (!AUTH_PARAMS.has(eq < 0 ? pair : pair.slice(0, eq))) return false;
  }
  return true;
}

/** Bucket records for read decisions, reused briefly and dropped whenever the registry changes one. */
class BucketCache {
  private readonly records = new Map<string, { record: BucketRecord | null; gen: number; until: number }>();

  constructor(private readonly storage: StorageService) {}

  get(name: string): BucketRecord | null {
    const gen = this.storage.buckets.generation;
    const now = Date.now();
    const hit = this.records.get(name);
    if (hit && hit.gen === gen && hit.until > now) return hit.record;
    const record = this.storage.buckets.find(name);
    if (this.records.size > 1000) this.records.clear();
    this.records.set(name, { record, gen, until: now + BUCKET_TTL_MS });
    return record;
  }
}

function requestId(req: IncomingMessage): string {
  // As newFastify's genReqId: a caller's well-formed X-Request-Id is kept.
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

/**
 * Wraps the S3 listener's request handler (Fastify's): the requests the fast path can answer exactly are
 * answered here; all others, and any the fast path gives up on before sending, go to `next`.
 */
export function withFastGet(opts: FastGetOptions, next: RequestListener): RequestListener {
  const buckets = new BucketCache(opts.storage);
  const buffers = new RangeBuffers();
  const native = new NativeBody(opts.sendfile ?? { mode: 'native', minBytes: 4096 });

  const mayReadObject = (r: S3Request, caller: Caller): boolean => {
    const g = caller.grant;
    // The signing service's grants, as requireRead(…, objectGet = true) takes them.
    if (g) return g.bucket === null || g.bucket === r.bucket;
    const b = buckets.get(r.bucket!);
    return b !== null && mayRead(caller.principal, b);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    let r: S3Request;
    let caller: Caller;
    try {
      r = parseS3Request(req, opts.virtualHostBase);
      if (!r.bucket || !r.key) return false;
      caller = resolveCaller(r, opts.identity, opts.sas);
    } catch {
      return false; // the normal path answers with the error
    }
    if (!mayReadObject(r, caller)) return false;
    let obj: OpenObject | null;
    try {
      obj = await opts.storage.store.open(r.bucket, r.key);
    } catch {
      return false;
    }
    if (!obj) return false;
    const { info } = obj;
    let range: ByteRange | null;
    try {
      range = parseRange(r.headers['range'], info.size);
    } catch {
      await obj.close(); // 416: the normal path answers it
      return false;
    }
    // Whole objects asked with checksum mode may carry their stored checksum: the normal path adds it.
    if (!range && (r.headers['x-amz-checksum-mode'] !== undefined || r.query.has('x-amz-checksum-mode'))) {
      await obj.close();
      return false;
    }
    const length = range ? range.end - range.start + 1 : info.size;
    const head = req.method === 'HEAD';
    const sock = head ? null : native.usable(res, obj, length);
    if (sock === null && !head && length > BUFFERED_RANGE) {
      await obj.close(); // streamed: the normal path's stream handling (errors mid-way, backpressure)
      return false;
    }
    let body: Buffer | null = null;
    let pooled: Buffer | null = null;
    if (sock !== null) {
      // Read by the kernel straight into the socket, after the head (below).
    } else if (head || length === 0) {
      await obj.close();
    } else {
      pooled = buffers.take(length);
      try {
        body = await obj.read(range ?? { start: 0, end: info.size - 1 }, pooled ?? undefined);
      } catch {
        if (pooled) buffers.give(pooled);
        return false; // read() has closed the object; the normal path tries again and reports
      }
    }
    const headers: Record<string, string> = {
      'x-amz-request-id': requestId(req),
      server: 'TerraHub',
      ...objectHeaders(info, r.query),
    };
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers['content-length'] = String(length);
    res.writeHead(range ? 206 : 200, headers);
    if (sock !== null) {
      const whole = range ?? { start: 0, end: info.size - 1 };
      if (native.send(res, sock, obj, whole)) return true;
      // Node kept no head to hand over (never seen): read and send from JavaScript after all.
      body = await obj.read(whole);
    }
    if (pooled) {
      const give = pooled;
      res.once('finish', () => buffers.give(give));
    }
    res.end(body ?? undefined);
    return true;
  };

  return (req, res) => {
    if (!eligible(req)) {
      next(req, res);
      return;
    }
    const start = LOGS_REQUESTS.has(opts.log.level) ? process.hrtime.bigint() : null;
    serve(req, res).then(
      (done) => {
        if (!done) next(req, res);
        else if (start !== null) logCompleted(opts.log, req, res, start);
      },
      () => (res.headersSent ? res.destroy() : next(req, res)),
    );
  };
}

/** One line per answered request at `info`, as Fastify's request log has it (no per-request child logger). */
function logCompleted(
  log: FastifyBaseLogger,
  req: IncomingMessage,
  res: ServerResponse,
  start: bigint,
): void {
  res.once('finish', () => {
    log.info(
      {
        reqId: res.getHeader('x-amz-request-id'),
        req: { method: req.method, url: req.url, host: req.headers.host },
        res: { statusCode: res.statusCode },
        responseTime: Number(process.hrtime.bigint() - start) / 1e6,
      },
      'request completed',
    );
  });
}
