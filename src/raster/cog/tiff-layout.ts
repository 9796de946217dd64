/**
 * Serialising TIFF structure: the header, GDAL's ghost area of structural metadata, and a chain of IFDs,
 * each followed by its out-of-line values (as libtiff lays them out). Little-endian always.
 */
import { TYPE_SIZE } from '../tiff/tags.ts';

export interface TagEntry {
  tag: number;
  /** TIFF field type (3 SHORT, 4 LONG, 16 LONG8, 2 ASCII, 12 DOUBLE, 7 UNDEFINED, 5 RATIONAL...). */
  type: number;
  /** Values; for RATIONAL, numerator and denominator in turn (two numbers per value). */
  values: number[] | string | Uint8Array;
}

export type IfdSpec = TagEntry[];

/** GDAL's ghost area: structural metadata telling readers the file keeps COG's promises. */
export function ghostArea(hasMask: boolean): string {
  let body =
    'LAYOUT=IFDS_BEFORE_DATA\n' +
    'BLOCK_ORDER=ROW_MAJOR\n' +
    'BLOCK_LEADER=SIZE_AS_UINT4\n' +
    'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n' +
    'KNOWN_INCOMPATIBLE_EDITION=NO\n ';
  if (hasMask) body += 'MASK_INTERLEAVED_WITH_IMAGERY=YES\n';
  return `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n${body}`;
}

function count(e: TagEntry): number {
  if (typeof e.values === 'string') return e.values.length + 1;
  return e.type === 5 ? e.values.length >> 1 : e.values.length;
}

function valueBytes(e: TagEntry): number {
  return count(e) * (TYPE_SIZE[e.type] ?? 1);
}

function ifdSize(ifd: IfdSpec, big: boolean): number {
  const inline = big ? 8 : 4;
  let n = (big ? 8 : 2) + ifd.length * (big ? 20 : 12) + (big ? 8 : 4);
  for (const e of ifd) {
    const b = valueBytes(e);
    if (b > inline) n += b + (b & 1);
  }
  return n;
}

/** Total bytes of the IFD chain (independent of the offsets it holds). */
export function ifdChainSize(ifds: IfdSpec[], big: boolean): number {
  return ifds.reduce((s, i) => s + ifdSize(i, big), 0);
}

function writeValues(dv: DataView, at: number, e: TagEntry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) dv.setUint8(at + i, e.values.charCodeAt(i) & 0xff);
    dv.setUint8(at + e.values.length, 0);
    return;
  }
  const v = e.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    switch (e.type) {
      case 1:
      case 7:
        dv.setUint8(at + i, x);
        break;
      case 3:
        dv.setUint16(at + i * 2, x, true);
        break;
      case 4:
      case 5: // RATIONAL: each number is one uint32 half of a value.
        dv.setUint32(at + i * 4, x, true);
        break;
      case 12:
        dv.setFloat64(at + i * 8, x, true);
        break;
      case 16:
        dv.setBigUint64(at + i * 8, BigInt(x), true);
        break;
      case 11:
        dv.setFloat32(at + i * 4, x, true);
        break;
      case 8:
        dv.setInt16(at + i * 2, x, true);
        break;
      case 9:
        dv.setInt32(at + i * 4, x, true);
        break;
      default:
        throw new Error(`cannot write TIFF field type ${e.type}`);
    }
  }
}

/**
 * Writes the chain starting at file offset `start`; returns the bytes and each IFD's offset. Tags are
 * sorted by number, as TIFF requires.
 */
export function serializeIfds(
  ifds: IfdSpec[],
  start: number,
  big: boolean,
): { bytes: Uint8Array; offsets: number[] } {
  const total = ifdChainSize(ifds, big);
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  const offsets: number[] = [];
  let pos = 0;
  for (let k = 0; k < ifds.length; k++) {
    const ifd = [...(ifds[k] as IfdSpec)].sort((a, b) => a.tag - b.tag);
    const size = ifdSize(ifd, big);
    offsets.push(start + pos);
    const entrySize = big ? 20 : 12;
    const head = big ? 8 : 2;
    if (big) dv.setBigUint64(pos, BigInt(ifd.length), true);
    else dv.setUint16(pos, ifd.length, true);
    let extra = pos + head + ifd.length * entrySize + (big ? 8 : 4);
    ifd.forEach((e, i) => {
      const at = pos + head + i * entrySize;
      dv.setUint16(at, e.tag, true);
      dv.setUint16(at + 2, e.type, true);
      if (big) dv.setBigUint64(at + 4, BigInt(count(e)), true);
      else dv.setUint32(at + 4, count(e), true);
      const valueAt = at + (big ? 12 : 8);
      const b = valueBytes(e);
      if (b <= (big ? 8 : 4)) writeValues(dv, valueAt, e);
      else {
        if (big) dv.setBigUint64(valueAt, BigInt(start + extra), true);
        else dv.setUint32(valueAt, start + extra, true);
        writeValues(dv, extra, e);
        extra += b + (b & 1);
      }
    });
    const nextAt = pos + head + ifd.length * entrySize;
    const next = k + 1 < ifds.length ? start + pos + size : 0;
    if (big) dv.setBigUint64(nextAt, BigInt(next), true);
    else dv.setUint32(nextAt, next, true);
    pos += size;
  }
  return { bytes, offsets };
}

/** Header (8 or 16 bytes) + ghost area, padded so the first IFD starts on an even offset. */
export function headerAndGhost(big: boolean, hasMask: boolean): { bytes: Uint8Array; firstIfd: number } {
  const ghost = ghostArea(hasMask);
  const headLen = big ? 16 : 8;
  let firstIfd = headLen + ghost.length;
  firstIfd += firstIfd & 1;
  const bytes = new Uint8Array(firstIfd);
  const dv = new DataView(bytes.buffer);
  bytes[0] = 0x49;
  bytes[1] = 0x49;
  dv.setUint16(2, big ? 43 : 42, true);
  if (big) {
    dv.setUint16(4, 8, true);
    dv.setBigUint64(8, BigInt(firstIfd), true);
  } else dv.setUint32(4, firstIfd, true);
  for (let i = 0; i < ghost.length; i++) bytes[headLen + i] = ghost.charCodeAt(i);
  return { bytes, firstIfd };
}

/** A tile between its leader (its size as uint32) and its trailer (its last 4 bytes again): GDAL's BLOCK_LEADER / BLOCK_TRAILER. */
export function framed(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 8);
  new DataView(out.buffer).setUint32(0, data.length, true);
  out.set(data, 4);
  const tail = data.subarray(Math.max(0, data.length - 4));
  out.set(tail, data.length + 4 + (4 - tail.length));
  return out;
}
