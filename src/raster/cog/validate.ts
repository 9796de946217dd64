/**
 * COG validation with the rules of GDAL's validate_cloud_optimized_geotiff.py: tiling, overviews in
 * decreasing sizes, IFDs before data in order, tile data from the smallest overview to full resolution, and
 * (with fullCheck) GDAL's block leaders, trailers and mask interleaving as its ghost area declares them.
 */
import type { TiffDataset } from '../tiff/dataset.ts';
import type { TiffImage } from '../tiff/image.ts';

export interface CogValidation {
  valid: boolean;
  errors: string[];
  warnings: string[];
  /** IFD offsets and first data offsets, as the GDAL script reports them. */
  details: { ifdOffsets: Record<string, number>; dataOffsets: Record<string, number>; headersSize: number };
}

interface Ghost {
  rowMajor: boolean;
  leader: boolean;
  trailer: boolean;
  maskInterleaved: boolean;
  incompatible: boolean;
  end: number;
}

function readGhost(ds: TiffDataset): Ghost | null {
  const head = ds.structure.head;
  const at = ds.structure.bigTiff ? 16 : 8;
  const prefix = 'GDAL_STRUCTURAL_METADATA_SIZE=';
  const line = new TextDecoder('latin1').decode(head.subarray(at, at + prefix.length + 13));
  if (!line.startsWith(prefix)) return null;
  const size = Number(line.slice(prefix.length, prefix.length + 6));
  if (!Number.isInteger(size)) return null;
  const bodyAt = at + prefix.length + 13;
  const body = new TextDecoder('latin1').decode(head.subarray(bodyAt, bodyAt + size));
  let end = bodyAt + size;
  end += end % 2;
  return {
    rowMajor: body.includes('BLOCK_ORDER=ROW_MAJOR'),
    leader: body.includes('BLOCK_LEADER=SIZE_AS_UINT4'),
    trailer: body.includes('BLOCK_TRAILER=LAST_4_BYTES_REPEATED'),
    maskInterleaved: body.includes('MASK_INTERLEAVED_WITH_IMAGERY=YES'),
    incompatible: body.includes('KNOWN_INCOMPATIBLE_EDITION=YES'),
    end,
  };
}

function firstBlockOffset(img: TiffImage): number {
  const n = img.chunksAcross * img.chunksDown;
  for (let i = 0; i < n; i++) if ((img.offsets[i] ?? 0) > 0) return img.offsets[i] as number;
  return 0;
}

/** Leader/trailer/order checks of one level (GDAL's full_check_band). */
async function fullCheckImage(
  ds: TiffDataset,
  name: string,
  img: TiffImage,
  mask: TiffImage | null,
  g: Ghost,
  errors: string[],
): Promise<void> {
  const n = img.chunksAcross * img.chunksDown;
  const u32 = (b: Uint8Array, at: number): number =>
    new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, ds.structure.littleEndian);
  let last = 0;
  const BATCH = 64;
  for (let s = 0; s < n; s += BATCH) {
    const idx = Array.from({ length: Math.min(BATCH, n - s) }, (_, k) => s + k);
    const reads = await Promise.all(
      idx.map(async (i) => {
        const off = img.offsets[i] ?? 0;
        const cnt = img.byteCounts[i] ?? 0;
        if (off <= 0) return null;
        const leader = g.leader && off >= 4 ? await ds.source.read(off - 4, 4) : null;
        const trailer = g.trailer && cnt >= 4 ? await ds.source.read(off + cnt - 4, 8) : null;
        return { leader, trailer };
      }),
    );
    for (const [k, i] of idx.entries()) {
      const x = i % img.chunksAcross;
      const y = Math.floor(i / img.chunksAcross);
      let off = img.offsets[i] ?? 0;
      const cnt = img.byteCounts[i] ?? 0;
      const r = reads[k];
      if (off > 0 && r) {
        if (g.rowMajor && off < last)
          errors.push(`${name}: offset of block (${x}, ${y}) is smaller than previous block`);
        if (r.leader && (r.leader.length < 4 || u32(r.leader, 0) !== cnt)) {
          errors.push(
            `${name}: for block (${x}, ${y}), size in leader bytes is ${r.leader.length >= 4 ? u32(r.leader, 0) : -1} instead of ${cnt}`,
          );
        }
        if (
          r.trailer &&
          (r.trailer.length < 8 || r.trailer.subarray(0, 4).some((v, j) => v !== r.trailer?.[j + 4]))
        ) {
          errors.push(`${name}: for block (${x}, ${y}), trailer bytes are invalid`);
        }
      }
      if (mask && g.maskInterleaved) {
        const mo = mask.offsets[i] ?? 0;
        if (off > 0 && mo > 0) {
          const expected = off + cnt + (g.leader ? 4 : 0) + (g.trailer ? 4 : 0);
          if (mo !== expected)
            errors.push(
              `Mask of ${name}: for block (${x}, ${y}), offset is ${mo}, whereas ${expected} was expected`,
            );
        } else if (off === 0 && mo > 0) {
          if (g.rowMajor && mo < last)
            errors.push(`Mask of ${name}: offset of block (${x}, ${y}) is smaller than previous block`);
          off = mo;
        }
      }
      last = off;
    }
  }
}

export async function validateCog(
  ds: TiffDataset,
  opts: { fullCheck?: boolean } = {},
): Promise<CogValidation> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const main = ds.images[0] as TiffImage;
  const ovrs = ds.images.slice(1);
  if (main.width > 512 || main.height > 512) {
    if (main.chunkWidth === main.width && main.chunkWidth > 1024)
      errors.push('The file is greater than 512xH or Wx512, but is not tiled');
    if (ovrs.length === 0)
      warnings.push(
        'The file is greater than 512xH or Wx512, it is recommended to include internal overviews',
      );
  }
  const mainIfd = main.ifd.offset;
  const ghost = mainIfd !== 8 && mainIfd !== 16 ? readGhost(ds) : null;
  if (mainIfd !== 8 && mainIfd !== 16) {
    const expected = ghost ? ghost.end : ds.structure.bigTiff ? 16 : 8;
    if (ghost?.incompatible) errors.push('KNOWN_INCOMPATIBLE_EDITION=YES is declared in the file');
    if (expected !== mainIfd)
      errors.push(`The offset of the main IFD should be ${expected}. It is ${mainIfd} instead`);
  }
  const ifdOffsets: Record<string, number> = { main: mainIfd };
  const dataOffsets: Record<string, number> = { main: firstBlockOffset(main) };
  const ifds = [mainIfd];
  ovrs.forEach((o, i) => {
    const prev = i === 0 ? main : (ovrs[i - 1] as TiffImage);
    if (o.width > prev.width || o.height > prev.height) {
      errors.push(
        i === 0
          ? 'First overview has larger dimension than main band'
          : `Overview of index ${i} has larger dimension than overview of index ${i - 1}`,
      );
    }
    if (o.chunkWidth === o.width && o.chunkWidth > 1024) errors.push(`Overview of index ${i} is not tiled`);
    ifds.push(o.ifd.offset);
    ifdOffsets[`overview_${i}`] = o.ifd.offset;
    dataOffsets[`overview_${i}`] = firstBlockOffset(o);
    if (o.ifd.offset < (ifds[ifds.length - 2] as number)) {
      errors.push(
        i === 0
          ? `The offset of the IFD for overview of index ${i} is ${o.ifd.offset}, whereas it should be greater than the one of the main image, which is at byte ${mainIfd}`
          : `The offset of the IFD for overview of index ${i} is ${o.ifd.offset}, whereas it should be greater than the one of index ${i - 1}, which is at byte ${ifds[ifds.length - 2]}`,
      );
    }
  });
  const data = [dataOffsets['main'] as number, ...ovrs.map((_, i) => dataOffsets[`overview_${i}`] as number)];
  const lastData = data[data.length - 1] as number;
  if (lastData !== 0 && lastData < (ifds[ifds.length - 1] as number)) {
    errors.push(
      ovrs.length > 0
        ? 'The offset of the first block of the smallest overview should be after its IFD'
        : 'The offset of the first block of the image should be after its IFD',
    );
  }
  for (let i = data.length - 2; i > 0; i--) {
    if (data[i] !== 0 && (data[i] as number) < (data[i + 1] as number)) {
      errors.push(
        `The offset of the first block of overview of index ${i - 1} should be after the one of the overview of index ${i}`,
      );
    }
  }
  if (data.length >= 2 && data[0] !== 0 && (data[0] as number) < (data[1] as number)) {
    errors.push(
      `The offset of the first block of the main resolution image should be after the one of the overview of index ${ovrs.length - 1}`,
    );
  }
  if (opts.fullCheck && ghost && (ghost.rowMajor || ghost.leader || ghost.trailer || ghost.maskInterleaved)) {
    const levels: [string, TiffImage, TiffImage | null][] = [
      ['Main resolution image', main, ds.masks[0] ?? null],
    ];
    ovrs.forEach((o, i) => levels.push([`Overview ${i}`, o, ds.masks[i + 1] ?? null]));
    for (const [name, img, mask] of levels) {
      await fullCheckImage(ds, name, img, mask, ghost, errors);
      if (mask)
        await fullCheckImage(
          ds,
          `Mask band of ${name.charAt(0).toLowerCase()}${name.slice(1)}`,
          mask,
          null,
          ghost,
          errors,
        );
    }
  }
  const allIfds = ds.structure.ifds.map((i) => i.offset);
  const firstData = Math.min(...data.filter((d) => d > 0), Infinity);
  const headersSize = Number.isFinite(firstData) ? firstData : Math.max(...allIfds);
  return { valid: errors.length === 0, errors, warnings, details: { ifdOffsets, dataOffsets, headersSize } };
}
