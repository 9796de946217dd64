/**
 * TIFF/BigTIFF structure parsing: the header and the chain of IFDs, read by ranges from a ByteSource.
 * Only the bytes of the header, the IFDs and their out-of-line values are read, never pixel data.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ByteSource } from '../types.ts';
import { TYPE_SIZE } from './tags.ts';

export type TagValue = number[] | string | Uint8Array;

export interface Ifd {
  /** File offset of this IFD. */
  offset: number;
  tags: Map<number, TagValue>;
}

export interface TiffStructure {
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: Ifd[];
  /** The first bytes of the file (GDAL's ghost area lives here), kept to avoid re-reading them. */
  head: Uint8Array;
}

/** How many bytes are fetched up front: a COG's IFDs are all in its first few kilobytes. */
const HEAD_SIZE = 64 * 1024;
const MAX_IFDS = 4096;

export function invalidTiff(why: string): TerraHubError {
  return new TerraHubError('TH_RASTER_INVALID_TIFF', `Not a valid TIFF: ${why}`);
}

/** Reads exactly `length` bytes, from the cached head when it covers them. */
async function readExact(
  src: ByteSource,
  head: Uint8Array,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  if (offset < 0 || offset + length > src.size) {
    throw invalidTiff(
      `data at offset ${offset} (+${length} bytes) lies beyond the end of the file (truncated?)`,
    );
  }
  if (offset + length <= head.length) return head.subarray(offset, offset + length);
  const b = await src.read(offset, length);
  if (b.length < length) throw invalidTiff(`short read at offset ${offset} (truncated?)`);
  return b;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number, le: boolean): number {
  const v = dv.getBigUint64(at, le);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidTiff('a 64-bit offset is too large');
  return Number(v);
}

/** Decodes `count` values of field `type` from `b`. */
export function decodeValues(b: Uint8Array, type: number, count: number, le: boolean): TagValue {
  if (type === 2) {
    let end = b.indexOf(0);
    if (end < 0) end = b.length;
    return new TextDecoder('latin1').decode(b.subarray(0, end));
  }
  if (type === 1 || type === 7) return b.slice(0, count);
  const dv = view(b);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 3:
        out[i] = dv.getUint16(i * 2, le);
        break;
      case 4:
      case 13:
        out[i] = dv.getUint32(i * 4, le);
        break;
      case 5:
        out[i] = dv.getUint32(i * 8, le) / dv.getUint32(i * 8 + 4, le);
        break;
      case 6:
        out[i] = dv.getInt8(i);
        break;
      case 8:
        out[i] = dv.getInt16(i * 2, le);
        break;
      case 9:
        out[i] = dv.getInt32(i * 4, le);
        break;
      case 10:
        out[i] = dv.getInt32(i * 8, le) / dv.getInt32(i * 8 + 4, le);
        break;
      case 11:
        out[i] = dv.getFloat32(i * 4, le);
        break;
      case 12:
        out[i] = dv.getFloat64(i * 8, le);
        break;
      case 16:
      case 18:
        out[i] = u64(dv, i * 8, le);
        break;
      case 17:
        out[i] = Number(dv.getBigInt64(i * 8, le));
        break;
      default:
        throw invalidTiff(`unknown field type ${type}`);
    }
  }
  return out;
}

async function readIfd(
  src: ByteSource,
  s: TiffStructure,
  offset: number,
): Promise<{ ifd: Ifd; next: number }> {
  const le = s.littleEndian;
  const countSize = s.bigTiff ? 8 : 2;
  const entrySize = s.bigTiff ? 20 : 12;
  const offSize = s.bigTiff ? 8 : 4;
  const cb = view(await readExact(src, s.head, offset, countSize));
  const n = s.bigTiff ? u64(cb, 0, le) : cb.getUint16(0, le);
  if (n === 0 || n > 10000) throw invalidTiff(`IFD at ${offset} has ${n} entries`);
  const eb = await readExact(src, s.head, offset + countSize, n * entrySize + offSize);
  const dv = view(eb);
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < n; i++) {
    const at = i * entrySize;
    const tag = dv.getUint16(at, le);
    const type = dv.getUint16(at + 2, le);
    const count = s.bigTiff ? u64(dv, at + 4, le) : dv.getUint32(at + 4, le);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue; // unknown types are skipped, as libtiff does
    const bytes = size * count;
    const valueAt = at + (s.bigTiff ? 12 : 8);
    let raw: Uint8Array;
    if (bytes <= offSize) raw = eb.subarray(valueAt, valueAt + bytes);
    else {
      const vo = s.bigTiff ? u64(dv, valueAt, le) : dv.getUint32(valueAt, le);
      raw = await readExact(src, s.head, vo, bytes);
    }
    tags.set(tag, decodeValues(raw, type, count, le));
  }
  const next = s.bigTiff ? u64(dv, n * entrySize, le) : dv.getUint32(n * entrySize, le);
  return { ifd: { offset, tags }, next };
}

/** Parses the header and every IFD of the chain. */
export async function readTiffStructure(src: ByteSource): Promise<TiffStructure> {
  if (src.size < 8) throw invalidTiff(`the file has only ${src.size} bytes`);
  const head = await src.read(0, Math.min(HEAD_SIZE, src.size));
  const order = String.fromCharCode(head[0] ?? 0, head[1] ?? 0);
  if (order !== 'II' && order !== 'MM') throw invalidTiff('the file does not start with II or MM');
  const le = order === 'II';
  const dv = view(head);
  const magic = dv.getUint16(2, le);
  if (magic !== 42 && magic !== 43) throw invalidTiff(`bad magic number ${magic}`);
  const bigTiff = magic === 43;
  if (bigTiff && head.length < 16) throw invalidTiff('truncated BigTIFF header');
  const s: TiffStructure = { littleEndian: le, bigTiff, ifds: [], head };
  let next = bigTiff ? u64(dv, 8, le) : dv.getUint32(4, le);
  const seen = new Set<number>();
  while (next !== 0) {
    if (seen.has(next) || seen.size >= MAX_IFDS) throw invalidTiff('the IFD chain loops');
    seen.add(next);
    const r = await readIfd(src, s, next);
    s.ifds.push(r.ifd);
    next = r.next;
  }
  if (s.ifds.length === 0) throw invalidTiff('no image directory');
  return s;
}

/** Typed accessors for an IFD's tags. */
export function num(ifd: Ifd, tag: number, dflt?: number): number {
  const v = ifd.tags.get(tag);
  if (Array.isArray(v) && v.length > 0) return v[0] as number;
  if (v instanceof Uint8Array && v.length > 0) return v[0] as number;
  if (dflt !== undefined) return dflt;
  throw invalidTiff(`IFD at ${ifd.offset} lacks required tag ${tag}`);
}

export function nums(ifd: Ifd, tag: number): number[] | null {
  const v = ifd.tags.get(tag);
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v);
  return null;
}

export function str(ifd: Ifd, tag: number): string | null {
  const v = ifd.tags.get(tag);
  return typeof v === 'string' ? v : null;
}

export function bytes(ifd: Ifd, tag: number): Uint8Array | null {
  const v = ifd.tags.get(tag);
  return v instanceof Uint8Array ? v : null;
}
