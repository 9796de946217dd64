/**
 * TIFF LZW (MSB-first codes, 9 to 12 bits, ClearCode 256, EndOfInformation 257, the "early change" that
 * libtiff writes). Decoder and encoder; the encoder lets `cog create` write COMPRESS=LZW.
 */
const CLEAR = 256;
const EOI = 257;

/** Decodes a TIFF LZW stream; `expected` bounds the output so a corrupt stream cannot grow forever. */
export function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let op = 0;
  // Dictionary as (prefix code, last byte, length) so entries need no separate arrays.
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
    prefix[i] = -1;
  }
  let next = 258;
  let width = 9;
  let bitPos = 0;
  const totalBits = input.length * 8;
  let old = -1;
  const readCode = (): number => {
    if (bitPos + width > totalBits) return EOI;
    let v = 0;
    for (let i = 0; i < width; i++) {
      const byte = input[(bitPos + i) >> 3] as number;
      v = (v << 1) | ((byte >> (7 - ((bitPos + i) & 7))) & 1);
    }
    bitPos += width;
    return v;
  };
  const emit = (code: number): void => {
    const len = length[code] as number;
    if (op + len > expected) throw new Error('LZW data decodes to more bytes than the tile holds');
    let c = code;
    for (let i = len - 1; i >= 0; i--) {
      out[op + i] = suffix[c] as number;
      c = prefix[c] as number;
    }
    op += len;
  };
  for (;;) {
    const code = readCode();
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error('LZW stream starts with a non-literal code');
      emit(code);
      old = code;
      continue;
    }
    if (code < next) {
      emit(code);
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = first[code] as number;
        first[next] = first[old] as number;
        length[next] = (length[old] as number) + 1;
        next++;
      }
    } else if (code === next && next < 4096) {
      prefix[next] = old;
      suffix[next] = first[old] as number;
      first[next] = first[old] as number;
      length[next] = (length[old] as number) + 1;
      next++;
      emit(code);
    } else {
      throw new Error(`LZW code ${code} is not in the table`);
    }
    old = code;
    // libtiff's early change: widen one code before the table fills the current width.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return op === expected ? out : out.subarray(0, op);
}

/** Encodes bytes as a TIFF LZW stream (libtiff-compatible: early change, clear at 4093 entries). */
export function lzwEncode(input: Uint8Array): Uint8Array {
  let out = new Uint8Array(Math.max(64, (input.length * 3) >> 1));
  let bitBuf = 0;
  let bitCount = 0;
  let op = 0;
  let width = 9;
  const write = (code: number): void => {
    bitBuf = (bitBuf << width) | code;
    bitCount += width;
    while (bitCount >= 8) {
      if (op >= out.length) {
        const bigger = new Uint8Array(out.length * 2);
        bigger.set(out);
        out = bigger;
      }
      out[op++] = (bitBuf >>> (bitCount - 8)) & 0xff;
      bitCount -= 8;
    }
    bitBuf &= (1 << bitCount) - 1;
  };
  // Dictionary keyed by (prefix code << 8 | byte).
  let dict = new Map<number, number>();
  let next = 258;
  write(CLEAR);
  if (input.length === 0) {
    write(EOI);
  } else {
    let w = input[0] as number;
    for (let i = 1; i < input.length; i++) {
      const c = input[i] as number;
      const key = (w << 8) | c;
      const hit = dict.get(key);
      if (hit !== undefined) {
        w = hit;
        continue;
      }
      write(w);
      dict.set(key, next++);
      if (next + 1 > 1 << width && width < 12) width++;
      if (next >= 4093) {
        write(CLEAR);
        dict = new Map();
        next = 258;
        width = 9;
      }
      w = c;
    }
    write(w);
    // The decoder adds an entry after this code too, and may widen before reading EOI.
    next++;
    if (next + 1 > 1 << width && width < 12) width++;
    write(EOI);
  }
  if (bitCount > 0) {
    if (op >= out.length) {
      const bigger = new Uint8Array(out.length + 8);
      bigger.set(out);
      out = bigger;
    }
    out[op++] = (bitBuf << (8 - bitCount)) & 0xff;
  }
  return out.slice(0, op);
}
