import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { namedColormap } from '../colormap/colormap.ts';
import { encode, parseFormat } from './encode.ts';
import { render } from './render.ts';

test('rescale maps [min, max] to 0..255 and the mask becomes alpha', () => {
  const img = render(
    {
      data: [new Float64Array([0, 50, 100, 7])],
      mask: new Uint8Array([255, 255, 255, 0]),
      width: 2,
      height: 2,
    },
    { rescale: [[0, 100]] },
  );
  assert.equal(img.channels, 2);
  assert.deepEqual([...img.pixels], [0, 255, 128, 255, 255, 255, 0, 0]);
});

test('without rescale values are clipped to 0..255; three bands are RGB', () => {
  const img = render(
    {
      data: [new Float64Array([-5]), new Float64Array([300]), new Float64Array([12.4])],
      mask: new Uint8Array([255]),
      width: 1,
      height: 1,
    },
    { returnMask: false },
  );
  assert.equal(img.channels, 3);
  assert.deepEqual([...img.pixels], [0, 255, 12]);
});

test('a colormap colours one band', () => {
  const img = render(
    { data: [new Float64Array([0, 1])], mask: new Uint8Array([255, 255]), width: 2, height: 1 },
    { rescale: [[0, 1]], colormap: { kind: 'table', rgba: namedColormap('viridis')! } },
  );
  assert.equal(img.channels, 4);
  assert.deepEqual([...img.pixels], [68, 1, 84, 255, 253, 231, 36, 255]);
});

test('PNG, WebP, JPEG and TIFF encode and decode to the same size', async () => {
  const img = render({
    data: [new Float64Array(64).fill(200)],
    mask: new Uint8Array(64).fill(255),
    width: 8,
    height: 8,
  });
  for (const f of ['png', 'webp', 'jpg', 'tiff']) {
    const fmt = parseFormat(f)!;
    const buf = await encode(img, fmt);
    const meta = await sharp(buf).metadata();
    assert.equal(meta.width, 8, f);
    assert.equal(meta.height, 8, f);
  }
  const { data } = await sharp(await encode(img, 'png'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal(data[0], 200);
  assert.equal(parseFormat('gif'), undefined);
});
