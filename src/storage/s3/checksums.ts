/**
 * The flexible checksums S3 clients send (`x-amz-checksum-*` headers and aws-chunked trailers): CRC32,
 * CRC32C, SHA-1 and SHA-256, each as the base64 of its big-endian digest.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export interface Checksum {
  update(data: Buffer): void;
  /** Base64 of the digest, as S3 headers carry it. */
  digest(): string;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(data: Buffer, prev: number): number {
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function crcChecksum(fn: (d: Buffer, prev: number) => number): Checksum {
  let v = 0;
  return {
    update(d) {
      v = fn(d, v);
    },
    digest() {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v >>> 0);
      return b.toString('base64');
    },
  };
}

function hashChecksum(alg: string): Checksum {
  const h = createHash(alg);
  return {
    update: (d) => h.update(d),
    digest: () => h.digest('base64'),
  };
}

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function isChecksumAlgorithm(s: string): s is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(s);
}

export function newChecksum(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'crc32':
      return crcChecksum((d, p) => crc32(d, p));
    case 'crc32c':
      return crcChecksum(crc32c);
    case 'sha1':
    case 'sha256':
      return hashChecksum(alg);
  }
}
