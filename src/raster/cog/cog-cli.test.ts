/**
 * The `terrahub cog` commands as a user runs them (a subprocess of bin/terrahub.js): broken inputs fail
 * cleanly and leave nothing behind, `validate` agrees with GDAL's validator, `info` and URLs work.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  copyFileSync,
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { fileSource, openRaster } from '../index.ts';
import { gdalAvailable, SYSTEM_PYTHON, TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import { validateCog } from './validate.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = mkdtempSync(join(tmpdir(), 'th-cogcli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function terrahub(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/terrahub.js'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop (for the test's own HTTP server). */
async function terrahubAsync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/terrahub.js'), ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

function gdalValid(path: string): boolean {
  return (
    spawnSync(SYSTEM_PYTHON, [
      '-m',
      'osgeo_utils.samples.validate_cloud_optimized_geotiff',
      '--full-check=yes',
      path,
    ]).status === 0
  );
}

/** Asserts a failed conversion: non-zero exit, a one-line reason, no output and no temporary files. */
function assertCleanFailure(input: string, reason: RegExp): void {
  const dir = mkdtempSync(join(work, 'out-'));
  const out = join(dir, 'out.tif');
  const r = terrahub('cog', 'create', '-q', input, out);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, reason);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readdirSync(dir), [], 'nothing left in the output folder');
}

describe('terrahub cog create: broken input', () => {
  test('a file that is not a TIFF', () => {
    const p = join(work, 'not.tif');
    writeFileSync(p, 'hello, this is text and not an image\n');
    assertCleanFailure(p, /not a valid TIFF: the file does not start with II or MM/i);
  });
  test('a TIFF truncated before its IFD', () => {
    const p = join(work, 'truncated-head.tif');
    writeFileSync(p, readFileSync(join(TESTDATA, 'RGB.byte.tif')).subarray(0, 100_000));
    assertCleanFailure(p, /beyond the end of the file \(truncated\?\)/);
  });
  test('a COG truncated in its tile data', () => {
    const cog = join(work, 'whole.tif');
    assert.equal(
      terrahub('cog', 'create', '-q', '--blocksize', '128', join(TESTDATA, 'RGB.byte.tif'), cog).code,
      0,
    );
    const p = join(work, 'truncated-data.tif');
    writeFileSync(p, readFileSync(cog).subarray(0, Math.floor(statSync(cog).size / 2)));
    assertCleanFailure(p, /truncated/);
  });
  test('a TIFF with corrupt compressed tiles', () => {
    const cog = join(work, 'whole2.tif');
    assert.equal(
      terrahub('cog', 'create', '-q', '--blocksize', '128', join(TESTDATA, 'shade.tif'), cog).code,
      0,
    );
    const b = readFileSync(cog);
    for (let i = Math.floor(b.length * 0.6); i < b.length; i += 7) b[i] = (b[i]! * 31 + 17) & 0xff;
    const p = join(work, 'corrupt.tif');
    writeFileSync(p, b);
    assertCleanFailure(p, /corrupt|invalid|decodes to/i);
  });
  test('a missing input', () => {
    const r = terrahub('cog', 'create', join(work, 'nope.tif'), join(work, 'x.tif'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ENOENT/);
  });
  test('a bad option names the option', () => {
    const r = terrahub(
      'cog',
      'create',
      '--compress',
      'JPEG2000',
      join(TESTDATA, 'byte.tif'),
      join(work, 'x.tif'),
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--compress must be one of/);
  });
});

describe(
  'terrahub cog validate agrees with GDAL',
  { skip: !gdalAvailable() && 'GDAL is not installed' },
  () => {
    for (const f of readdirSync(TESTDATA).filter((n) => n.endsWith('.tif'))) {
      test(`on ${f}`, async () => {
        const p = join(TESTDATA, f);
        const src = await fileSource(p);
        try {
          const v = await validateCog(await openRaster(src), { fullCheck: true });
          assert.equal(v.valid, gdalValid(p), v.errors.join('; '));
        } finally {
          await src.close();
        }
      });
    }
    test('on a COG whose block leader was damaged', () => {
      const cog = join(work, 'leader.tif');
      assert.equal(
        terrahub('cog', 'create', '-q', '--blocksize', '256', join(TESTDATA, 'shade.tif'), cog).code,
        0,
      );
      assert.equal(terrahub('cog', 'validate', cog).code, 0);
      const info = JSON.parse(terrahub('cog', 'validate', '--json', cog).stdout) as {
        details: { dataOffsets: { main: number } };
      };
      const b = readFileSync(cog);
      b[info.details.dataOffsets.main - 4] = (b[info.details.dataOffsets.main - 4] ?? 0) ^ 0xff;
      const bad = join(work, 'leader-bad.tif');
      writeFileSync(bad, b);
      const r = terrahub('cog', 'validate', bad);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /size in leader bytes/);
      assert.equal(gdalValid(bad), false);
    });
  },
);

describe('terrahub cog info and URLs', () => {
  let server: Server;
  let base = '';
  before(async () => {
    // A minimal static server with Range support, like the storage endpoint or nginx.
    server = createServer((req, res) => {
      const p = join(work, decodeURIComponent(req.url ?? '/').replace(/^\//, ''));
      let size: number;
      try {
        size = statSync(p).size;
      } catch {
        res.writeHead(404).end();
        return;
      }
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': size }).end();
      if (!m) return void createReadStream(p).pipe(res.writeHead(200, { 'content-length': size }));
      const [s, e] = [Number(m[1]), Math.min(Number(m[2]), size - 1)];
      createReadStream(p, { start: s, end: e }).pipe(
        res.writeHead(206, { 'content-length': e - s + 1, 'content-range': `bytes ${s}-${e}/${size}` }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('info --json reports what the file holds', () => {
    const r = terrahub('cog', 'info', '--json', join(TESTDATA, 'RGB.byte.tif'));
    assert.equal(r.code, 0, r.stderr);
    const i = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(i['width'], 791);
    assert.equal(i['height'], 718);
    assert.equal(i['dataType'], 'uint8');
    assert.deepEqual(i['crs'], { epsg: 32618, definition: null });
    assert.equal((i['bands'] as { nodata: number }[])[0]?.nodata, 0);
    assert.equal(i['mask'], 'nodata');
    const b = i['bounds'] as number[];
    // gdalinfo: Upper Left (101985.000, 2826915.000), Lower Right (339315.000, 2611485.000)
    assert.deepEqual(
      b.map((v) => Math.round(v)),
      [101985, 2611485, 339315, 2826915],
    );
  });

  test('validate and info read a COG over HTTP by ranges', async () => {
    copyFileSync(join(TESTDATA, 'world.byte.tif'), join(work, 'served-src.tif'));
    assert.equal(
      terrahub(
        'cog',
        'create',
        '-q',
        '--blocksize',
        '256',
        join(work, 'served-src.tif'),
        join(work, 'served.tif'),
      ).code,
      0,
    );
    const v = await terrahubAsync('cog', 'validate', '--full-check', 'yes', `${base}/served.tif`);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const i = await terrahubAsync('cog', 'info', `${base}/served.tif`);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /Overviews:\s+1440x600, 720x300, 360x150, 180x75/);
    const missing = await terrahubAsync('cog', 'info', `${base}/missing.tif`);
    assert.equal(missing.code, 3);
  });
});
