/**
 * The source of ./stream-digest.ts's hashing threads, run with `eval` (plain JavaScript, CommonJS): the
 * threads then need no TypeScript loader, and start in milliseconds.
 *
 * Messages: `buffer` {sab} adds a shared batch buffer (numbered in order); `open` {id, algs, fd} starts a
 * body; `data` {id, n, len} hashes (and writes at the body's next offset) the first `len` bytes of buffer
 * `n` (or, for n < 0, of the transferred `buf`), given back with `free` {id, n}; `end` {id} answers `done` {id, digests, error}. After a failed write
 * the body's remaining batches are only given back.
 */
export const DIGEST_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const { crc32 } = require('node:zlib');
const bodies = new Map();
const buffers = [];
function hasher(alg) {
  if (alg !== 'crc32') {
    const h = createHash(alg);
    return { update: (b) => h.update(b), digest: () => h.digest() };
  }
  let v = 0;
  return {
    update: (b) => (v = crc32(b, v)),
    digest: () => { const o = Buffer.alloc(4); o.writeUInt32BE(v >>> 0); return o; },
  };
}
parentPort.on('message', (m) => {
  const b = bodies.get(m.id);
  if (m.op === 'buffer') {
    buffers.push(Buffer.from(m.sab));
  } else if (m.op === 'open') {
    bodies.set(m.id, { algs: m.algs, hashes: m.algs.map(hasher), fd: m.fd, pos: 0, error: null });
  } else if (m.op === 'data') {
    if (b && !b.error) {
      const data = m.n >= 0 ? buffers[m.n].subarray(0, m.len) : Buffer.from(m.buf, 0, m.len);
      try {
        for (const h of b.hashes) h.update(data);
        if (b.fd !== null) {
          let at = 0;
          while (at < data.length) at += writeSync(b.fd, data, at, data.length - at, b.pos + at);
        }
        b.pos += data.length;
      } catch (e) {
        b.error = String((e && e.code) || e);
      }
    }
    parentPort.postMessage({ op: 'free', id: m.id, n: m.n });
  } else if (m.op === 'end') {
    bodies.delete(m.id);
    const digests = {};
    if (b && !b.error) b.algs.forEach((a, i) => (digests[a] = b.hashes[i].digest()));
    parentPort.postMessage({ op: 'done', id: m.id, digests, error: b ? b.error : 'unknown body' });
  }
});
`;
