/** Typed arrays for the raster data types. */
import type { DataType, PixelArray } from '../types.ts';

const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

export const BYTES_PER_SAMPLE: Record<DataType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

export function newPixelArray(dt: DataType, length: number, fill = 0): PixelArray {
  const a = new CTORS[dt](length);
  if (fill !== 0) a.fill(fill);
  return a;
}

/** A typed view over little-endian bytes (which must be aligned to the sample size). */
export function typedView(dt: DataType, b: Uint8Array): PixelArray {
  const n = Math.floor(b.byteLength / BYTES_PER_SAMPLE[dt]);
  if (b.byteOffset % BYTES_PER_SAMPLE[dt] !== 0) {
    const copy = new Uint8Array(b);
    return new CTORS[dt](copy.buffer, 0, n);
  }
  return new CTORS[dt](b.buffer as ArrayBuffer, b.byteOffset, n);
}
