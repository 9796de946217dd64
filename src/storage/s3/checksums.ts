/**
 * The flexible checksums S3 clients send (`x-amz-checksum-*` headers and aws-chunked trailers): CRC32,
 * CRC32C, CRC64NVME, SHA-1 and SHA-256, each as the base64 of its big-endian digest.
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

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), as two 32-bit halves: BigInt per byte is slow. */
const CRC64_TABLES = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    lo[i] = Number(c & 0xffffffffn);
    hi[i] = Number(c >> 32n);
  }
  return { lo, hi };
})();

function crc64nvmeChecksum(): Checksum {
  // The register, kept inverted (initial value and final XOR are all ones).
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  const { lo: TL, hi: TH } = CRC64_TABLES;
  return {
    update(d) {
      for (let i = 0; i < d.length; i++) {
        const x = (lo ^ d[i]!) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ TL[x]!) >>> 0;
        hi = ((hi >>> 8) ^ TH[x]!) >>> 0;
      }
    },
    digest() {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(~hi >>> 0, 0);
      b.writeUInt32BE(~lo >>> 0, 4);
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

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
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
    case 'crc64nvme':
      return crc64nvmeChecksum();
    case 'sha1':
    case 'sha256':
      return hashChecksum(alg);
  }
}
