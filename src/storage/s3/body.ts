/**
 * The body of an S3 write as a stream of the object's bytes, with the checks S3 makes once it has all
 * arrived: the signed payload hash (x-amz-content-sha256), Content-MD5, and flexible checksums from
 * headers or aws-chunked trailers. A failed check aborts the write before the object becomes visible.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { StreamDigest, type DigestAlgorithm, type Digests } from '../stream-digest.ts';
import { AwsChunkedDecoder } from './chunked.ts';
import {
  CHECKSUM_ALGORITHMS,
  isChecksumAlgorithm,
  newChecksum,
  type ChecksumAlgorithm,
} from './checksums.ts';
import type { VerifiedAuth } from './sigv4.ts';

export interface DecodedBody {
  body: Readable;
  /** Length the client announced for the object (for quota checks before reading). */
  declaredLength: number | undefined;
  /** Rejects with S3's error when a hash or checksum of the received bytes differs from the one sent. */
  check(): Promise<void>;
  /** The verified flexible checksum, to echo as a response header (as S3 does). */
  checksumHeader(): Record<string, string>;
  /** The flexible checksum of the body once check() passed, if the client chose an algorithm. */
  checksum(): { algorithm: ChecksumAlgorithm; value: string } | null;
}

/** Checksums with native implementations, hashed by ../stream-digest.ts. */
const OFFLOADED = new Set<ChecksumAlgorithm>(['crc32', 'sha1', 'sha256']);

function chosenAlgorithm(h: Record<string, string>): ChecksumAlgorithm | null {
  const named = (h['x-amz-sdk-checksum-algorithm'] ?? h['x-amz-checksum-algorithm'] ?? '').toLowerCase();
  if (isChecksumAlgorithm(named)) return named;
  const trailer = (h['x-amz-trailer'] ?? '').toLowerCase().replace(/^x-amz-checksum-/, '');
  if (isChecksumAlgorithm(trailer)) return trailer;
  return CHECKSUM_ALGORITHMS.find((a) => h[`x-amz-checksum-${a}`] !== undefined) ?? null;
}

/** Content-MD5 is the base64 of 16 bytes: anything else is refused before the body is read, as S3 does. */
function isMd5Digest(v: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(v.trim());
}

function nonNegativeInt(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function decodeBody(
  raw: IncomingMessage,
  h: Record<string, string>,
  auth: VerifiedAuth | null,
): DecodedBody {
  const payload = auth?.payloadHash ?? h['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
  // The payload hash announces the aws-chunked framing; a Content-Encoding that names aws-chunked without a
  // decoded length (botocore passes a caller's ContentEncoding through) comes with a plain body.
  const chunked =
    payload.startsWith('STREAMING-') ||
    (/(^|,)\s*aws-chunked/.test(h['content-encoding'] ?? '') &&
      h['x-amz-decoded-content-length'] !== undefined);
  let decoder: AwsChunkedDecoder | null = null;
  let declaredLength: number | undefined;
  if (chunked) {
    const signed = payload.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') && auth !== null;
    declaredLength = nonNegativeInt(h['x-amz-decoded-content-length']);
    decoder = new AwsChunkedDecoder(
      signed
        ? {
            signingKey: auth.signingKey,
            datetime: auth.datetime,
            scope: auth.scope,
            seedSignature: auth.signature,
          }
        : null,
      declaredLength ?? null,
    );
  } else {
    declaredLength = nonNegativeInt(h['content-length']);
  }

  const signedHash = /^[0-9a-f]{64}$/.test(payload) && !chunked;
  const wantMd5 = h['content-md5'] !== undefined;
  if (wantMd5 && !isMd5Digest(h['content-md5']!)) {
    throw new TerraHubError('TH_S3_INVALID_DIGEST', 'The Content-MD5 you specified is not valid.');
  }
  const alg = chosenAlgorithm(h);
  // Native hashes go to ../stream-digest.ts (off the event loop for large bodies); CRC32C and CRC64NVME,
  // written in JavaScript, are computed here.
  const offloaded = alg !== null && OFFLOADED.has(alg);
  const algs: DigestAlgorithm[] = [];
  if (signedHash) algs.push('sha256');
  if (wantMd5) algs.push('md5');
  if (offloaded) algs.push(alg as DigestAlgorithm);
  const digest = algs.length > 0 ? new StreamDigest(algs) : null;
  const sum = alg && !offloaded ? newChecksum(alg) : null;
  let digests: Promise<Digests> | null = null;
  // The tap is the body its consumer reads (one stream stage less per socket chunk than a PassThrough after
  // it). Before a consumer reads, under one digest batch passes it (its readable side holds 256 KiB): a body
  // that is refused unread never reaches a hashing thread, so it leaves nothing there to end.
  const tap = new Transform({
    readableHighWaterMark: 256 * 1024,
    writableHighWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _e, cb) {
      sum?.update(chunk);
      const room = digest?.write(chunk);
      if (room) room.then(() => cb(null, chunk), cb);
      else cb(null, chunk);
    },
    flush(cb) {
      // Started here, so that the last batch is hashed while the consumer finishes its own work.
      digests = digest?.end() ?? Promise.resolve({});
      digests.catch(() => undefined); // observed by check()
      cb();
    },
  });
  // A body abandoned before its end frees its hashing thread's state.
  tap.once('close', () => {
    if (!digests) void digest?.abort();
  });

  // The consumer attaches after an await (authorization, quota); until then an early body error must not
  // be an uncaught 'error' event. The consumer still sees it: `tap` stays errored.
  tap.on('error', () => undefined);
  const stages: Readable[] = decoder ? [raw, decoder] : [raw];
  for (const s of stages) s.on('error', (e) => tap.destroy(e));
  raw.on('aborted', () =>
    tap.destroy(new TerraHubError('TH_S3_INCOMPLETE_BODY', 'the client aborted the upload')),
  );
  (decoder ? raw.pipe(decoder) : raw).pipe(tap);

  let sumValue: string | null = null;
  return {
    body: tap,
    declaredLength,
    async check() {
      const d = await (digests ?? Promise.reject(new TerraHubError('TH_S3_INCOMPLETE_BODY')));
      if (signedHash && d.sha256!.toString('hex') !== payload)
        throw new TerraHubError('TH_S3_CONTENT_SHA256_MISMATCH');
      if (wantMd5 && d.md5!.toString('base64') !== h['content-md5']!.trim()) {
        throw new TerraHubError(
          'TH_S3_BAD_DIGEST',
          'The Content-MD5 you specified did not match what we received.',
        );
      }
      if (alg) {
        const name = `x-amz-checksum-${alg}`;
        const sent = h[name] ?? decoder?.trailers[name];
        sumValue = sum ? sum.digest() : d[alg as DigestAlgorithm]!.toString('base64');
        if (sent !== undefined && sent !== sumValue) {
          throw new TerraHubError(
            'TH_S3_BAD_DIGEST',
            `The ${alg.toUpperCase()} you specified did not match the calculated checksum.`,
          );
        }
      }
    },
    checksumHeader() {
      return alg && sumValue ? { [`x-amz-checksum-${alg}`]: sumValue } : {};
    },
    checksum() {
      return alg && sumValue ? { algorithm: alg, value: sumValue } : null;
    },
  };
}
