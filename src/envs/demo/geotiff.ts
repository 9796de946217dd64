/**
 * A minimal GeoTIFF encoder for the demo generator's intermediate files: one band, one uncompressed strip,
 * EPSG:4326, little-endian classic TIFF. The COG writer (src/raster/cog) turns these into the real COGs.
 */

const SHORT = 3;
const LONG = 4;
const DOUBLE = 12;
const ASCII = 2;

interface Tag {
  tag: number;
  type: number;
  values: number[] | string;
}

const SIZE: Record<number, number> = { [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8, [ASCII]: 1 };

export interface GeoTiffInput {
  width: number;
  height: number;
  data: Uint16Array | Int16Array;
  /** West and north edges and pixel size, in degrees. */
  west: number;
  north: number;
  pixel: number;
  nodata?: number;
}

export function encodeGeoTiff(g: GeoTiffInput): Uint8Array {
  const signed = g.data instanceof Int16Array;
  const pixelBytes = g.width * g.height * 2;
  const tags: Tag[] = [
    { tag: 256, type: LONG, values: [g.width] },
    { tag: 257, type: LONG, values: [g.height] },
    { tag: 258, type: SHORT, values: [16] },
    { tag: 259, type: SHORT, values: [1] },
    { tag: 262, type: SHORT, values: [1] },
    { tag: 273, type: LONG, values: [0] }, // strip offset, patched below
    { tag: 277, type: SHORT, values: [1] },
    { tag: 278, type: LONG, values: [g.height] },
    { tag: 279, type: LONG, values: [pixelBytes] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 339, type: SHORT, values: [signed ? 2 : 1] },
    { tag: 33550, type: DOUBLE, values: [g.pixel, g.pixel, 0] },
    { tag: 33922, type: DOUBLE, values: [0, 0, 0, g.west, g.north, 0] },
    // GeoKeyDirectory: geographic model, pixel-is-area, EPSG:4326.
    { tag: 34735, type: SHORT, values: [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326] },
  ];
  if (g.nodata !== undefined) tags.push({ tag: 42113, type: ASCII, values: `${g.nodata}\0` });

  const count = (t: Tag) => (typeof t.values === 'string' ? t.values.length : t.values.length);
  const ifdSize = 2 + tags.length * 12 + 4;
  let extra = 0;
  for (const t of tags) if (count(t) * SIZE[t.type]! > 4) extra += count(t) * SIZE[t.type]! + 1;
  const dataStart = 8 + ifdSize + extra + ((8 + ifdSize + extra) % 2);
  (tags.find((t) => t.tag === 273)!.values as number[])[0] = dataStart;

  const buf = new ArrayBuffer(dataStart + pixelBytes);
  const v = new DataView(buf);
  const bytes = new Uint8Array(buf);
  bytes.set([0x49, 0x49]);
  v.setUint16(2, 42, true);
  v.setUint32(4, 8, true);
  v.setUint16(8, tags.length, true);
  let extraAt = 8 + ifdSize;
  tags.forEach((t, i) => {
    const at = 10 + i * 12;
    const n = count(t);
    v.setUint16(at, t.tag, true);
    v.setUint16(at + 2, t.type, true);
    v.setUint32(at + 4, n, true);
    const big = n * SIZE[t.type]! > 4;
    let p = big ? extraAt : at + 8;
    if (big) {
      v.setUint32(at + 8, extraAt, true);
      extraAt += n * SIZE[t.type]!;
      extraAt += extraAt % 2;
    }
    for (let k = 0; k < n; k++) {
      if (typeof t.values === 'string') v.setUint8(p, t.values.charCodeAt(k));
      else if (t.type === SHORT) v.setUint16(p, t.values[k]!, true);
      else if (t.type === LONG) v.setUint32(p, t.values[k]!, true);
      else v.setFloat64(p, t.values[k]!, true);
      p += SIZE[t.type]!;
    }
  });
  v.setUint32(10 + tags.length * 12, 0, true);
  for (let i = 0; i < g.data.length; i++) {
    if (signed) v.setInt16(dataStart + i * 2, g.data[i]!, true);
    else v.setUint16(dataStart + i * 2, g.data[i]!, true);
  }
  return bytes;
}
