/**
 * The PNG writer: chunk CRCs, a zlib stream whose Adler-32 checks (also when deflated in bands), rows that
 * unfilter to the image, and decoders (libvips/libpng through sharp) reading back the same pixels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { adler32, encodePng } from './png.ts';
import type { Rendered } from './render.ts';

function image(width: number, height: number, channels: 1 | 2 | 3 | 4, seed = 7): Rendered {
  const pixels = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < pixels.length; i++) {
    // Smooth runs with noise: filters and deflate both have something to do.
    s = (s * 1103515245 + 12345) >>> 0;
    pixels[i] = ((i >> 3) + (s >>> 28)) & 255;
  }
  return { width, height, channels, pixels };
}

const CRC = (() => {
  const t: number[] = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t.push(c >>> 0);
  }
  return (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const v of b) c = t[(c ^ v) & 255]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
})();

/** Parses the PNG strictly and returns its pixels, unfiltered by this test's own code. */
function decode(png: Buffer): { width: number; height: number; type: number; pixels: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const idat: Buffer[] = [];
  let ihdr: Buffer | null = null;
  const types: string[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    assert.equal(png.readUInt32BE(at + 8 + len), CRC(png.subarray(at + 4, at + 8 + len)), `${type} CRC`);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    types.push(type);
    at += 12 + len;
  }
  assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
  const width = ihdr!.readUInt32BE(0);
  const height = ihdr!.readUInt32BE(4);
  const type = ihdr![9]!;
  const bpp = { 0: 1, 4: 2, 2: 3, 6: 4 }[type as 0 | 4 | 2 | 6];
  // inflateSync checks the stream's Adler-32.
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  assert.equal(raw.length, height * (stride + 1));
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      assert.ok(f === 0 || f === 1 || f === 2, `filter ${f}`);
      out[y * stride + i] = (x + (f === 1 ? a : f === 2 ? b : 0)) & 255;
    }
  }
  return { width, height, type, pixels: out };
}

test('every channel count, odd sizes, whole or in bands: the same pixels back', async () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const [w, h] of [
      [1, 1],
      [3, 2],
      [17, 9],
      [256, 256],
    ] as const) {
      const img = image(w, h, channels);
      for (const parts of [1, 2, 3]) {
        const png = await encodePng(img, { parts });
        const back = decode(png);
        assert.equal(back.type, [0, 0, 4, 2, 6][channels]);
        assert.deepEqual([back.width, back.height], [w, h]);
        assert.deepEqual(
          Buffer.from(back.pixels),
          Buffer.from(img.pixels),
          `${channels} ch ${w}x${h} parts ${parts}`,
        );
        const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        // libvips may hand grey images back expanded to RGB(A): compare the grey and alpha samples then.
        const got = new Uint8Array(w * h * channels);
        const grey = channels <= 2 && info.channels >= 3;
        for (let k = 0; k < w * h; k++)
          for (let c = 0; c < channels; c++)
            got[k * channels + c] = data[k * info.channels + (grey && c === 1 ? info.channels - 1 : c)]!;
        assert.ok(
          Buffer.from(got).equals(Buffer.from(img.pixels)),
          `libvips: ${channels} ch ${w}x${h} parts ${parts}`,
        );
      }
    }
  }
});

test('bands cost little: a 256 px tile in two bands is within 3% of the whole', async () => {
  const img = image(256, 256, 4);
  const whole = await encodePng(img);
  const two = await encodePng(img, { parts: 2 });
  assert.ok(two.length <= whole.length * 1.03, `${two.length} vs ${whole.length}`);
});

test('adler32 matches known values', () => {
  assert.equal(adler32(new Uint8Array(0)), 1);
  assert.equal(adler32(new TextEncoder().encode('Wikipedia')), 0x11e60398);
  // Past the 2^20-byte block where the sums are reduced: against zlib's own (a zlib stream's last 4 bytes).
  const big = new Uint8Array(3_000_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 255;
  const z = deflateSync(big, { level: 1 });
  assert.equal(adler32(big), z.readUInt32BE(z.length - 4));
});
