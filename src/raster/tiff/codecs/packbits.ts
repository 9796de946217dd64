/** PackBits (Apple's run-length coding, TIFF compression 32773): decoder only. */
export function packbitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < input.length && op < expected) {
    const n = ((input[ip++] as number) << 24) >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, expected - op, input.length - ip);
      out.set(input.subarray(ip, ip + len), op);
      ip += n + 1;
      op += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, expected - op);
      out.fill(input[ip++] as number, op, op + len);
      op += len;
    }
  }
  return out;
}
