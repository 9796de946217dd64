/**
 * Decoder of S3's `aws-chunked` content encoding, as a Transform that emits the object's bytes:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n <data> \r\n ... 0[;chunk-signature=<sig>]\r\n [trailers\r\n] \r\n
 *
 * With STREAMING-AWS4-HMAC-SHA256-PAYLOAD each chunk's signature chains on the previous one, starting from
 * the request's seed signature, and is checked. Trailers (`x-amz-checksum-crc32:...`) are collected for the
 * caller to verify against the decoded bytes.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { EMPTY_SHA256, hmac } from './sigv4.ts';

export interface ChunkSigning {
  signingKey: Buffer;
  datetime: string;
  scope: string;
  seedSignature: string;
}

type State = 'header' | 'data' | 'crlf' | 'trailer' | 'done';
const MAX_LINE = 8192;

export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  decodedBytes = 0;
  private buf: Buffer = Buffer.alloc(0);
  private state: State = 'header';
  private remaining = 0;
  private chunkSig = '';
  private prevSig: string;
  private chunkHash = createHash('sha256');

  constructor(
    private readonly signing: ChunkSigning | null,
    private readonly decodedLength: number | null,
  ) {
    super();
    this.prevSig = signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.drain();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    if (this.state === 'trailer' && this.buf.length === 0) this.state = 'done';
    if (this.state !== 'done') {
      cb(new TerraHubError('TH_S3_INCOMPLETE_BODY', 'the aws-chunked body ended inside a chunk'));
      return;
    }
    if (this.decodedLength !== null && this.decodedLength !== this.decodedBytes) {
      cb(
        new TerraHubError(
          'TH_S3_INCOMPLETE_BODY',
          `x-amz-decoded-content-length is ${this.decodedLength}, the chunks held ${this.decodedBytes} bytes`,
        ),
      );
      return;
    }
    cb();
  }

  private line(): string | null {
    const i = this.buf.indexOf('\r\n');
    if (i < 0) {
      if (this.buf.length > MAX_LINE)
        throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'aws-chunked line too long');
      return null;
    }
    const s = this.buf.subarray(0, i).toString('latin1');
    this.buf = this.buf.subarray(i + 2);
    return s;
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'header') {
        const l = this.line();
        if (l === null) return;
        const m = /^([0-9a-fA-F]+)(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(l.trim());
        if (!m)
          throw new TerraHubError('TH_S3_INVALID_ARGUMENT', `bad aws-chunked header "${l.slice(0, 80)}"`);
        if (this.signing && !m[2])
          throw new TerraHubError('TH_S3_SIGNATURE_MISMATCH', 'a chunk has no signature');
        this.remaining = parseInt(m[1]!, 16);
        this.chunkSig = m[2] ?? '';
        this.chunkHash = createHash('sha256');
        if (this.remaining === 0) {
          this.verifyChunk();
          this.state = 'trailer';
        } else {
          this.state = 'data';
        }
      } else if (this.state === 'data') {
        if (this.buf.length === 0) return;
        const take = this.buf.subarray(0, this.remaining);
        this.buf = this.buf.subarray(take.length);
        this.remaining -= take.length;
        this.decodedBytes += take.length;
        if (this.signing) this.chunkHash.update(take);
        this.push(take);
        if (this.remaining === 0) this.state = 'crlf';
      } else if (this.state === 'crlf') {
        if (this.buf.length < 2) return;
        if (this.buf[0] !== 13 || this.buf[1] !== 10) {
          throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'aws-chunked data is not followed by CRLF');
        }
        this.buf = this.buf.subarray(2);
        this.verifyChunk();
        this.state = 'header';
      } else if (this.state === 'trailer') {
        const l = this.line();
        if (l === null) return;
        if (l === '') {
          this.state = 'done';
          continue;
        }
        const colon = l.indexOf(':');
        if (colon <= 0)
          throw new TerraHubError('TH_S3_INVALID_ARGUMENT', `bad trailer line "${l.slice(0, 80)}"`);
        this.trailers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
      } else {
        if (this.buf.length > 0 && this.buf.toString('latin1').trim() !== '') {
          throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'data after the end of the aws-chunked body');
        }
        this.buf = Buffer.alloc(0);
        return;
      }
    }
  }

  private verifyChunk(): void {
    if (!this.signing) return;
    const sts = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      this.signing.datetime,
      this.signing.scope,
      this.prevSig,
      EMPTY_SHA256,
      this.chunkHash.digest('hex'),
    ].join('\n');
    const want = hmac(this.signing.signingKey, sts).toString('hex');
    if (want !== this.chunkSig)
      throw new TerraHubError('TH_S3_SIGNATURE_MISMATCH', 'a chunk signature does not match');
    this.prevSig = this.chunkSig;
  }
}
