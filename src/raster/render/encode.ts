/**
 * Image encoding with sharp (libvips). JPEG has no alpha: masked pixels come out black there, as with
 * TiTiler. `tif` is an 8-bit TIFF of the rendered image.
 */
import sharp from 'sharp';
import { encodePng } from './png.ts';
import type { Rendered } from './render.ts';

export type ImageFormat = 'png' | 'webp' | 'jpeg' | 'tif';
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'webp', 'jpeg', 'tif'];

export const MEDIA_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
};

/** `jpg` is an alias of jpeg, `tiff` of tif. */
export function parseFormat(s: string): ImageFormat | undefined {
  const f = s.toLowerCase();
  if (f === 'jpg') return 'jpeg';
  if (f === 'tiff') return 'tif';
  return (IMAGE_FORMATS as readonly string[]).includes(f) ? (f as ImageFormat) : undefined;
}

export async function encode(img: Rendered, format: ImageFormat): Promise<Buffer> {
  // PNG without libvips: png.ts says why (what was measured).
  if (format === 'png') return encodePng(img);
  const s = sharp(Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  });
  switch (format) {
    case 'webp':
      return s.webp({ lossless: true, effort: 1 }).toBuffer();
    case 'jpeg':
      return s.flatten({ background: '#000000' }).jpeg({ quality: 85 }).toBuffer();
    case 'tif':
      return s.tiff({ compression: 'deflate' }).toBuffer();
  }
}
