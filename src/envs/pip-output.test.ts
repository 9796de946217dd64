import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectingOf, explainPipFailure } from './pip-output.ts';

void test('collectingOf reads the requirement pip starts on', () => {
  assert.equal(collectingOf('Collecting numpy==2.4.6'), 'numpy==2.4.6');
  assert.equal(collectingOf('  Collecting odc-stac==0.5.3 (from -r lock (line 4))'), 'odc-stac==0.5.3');
  assert.equal(collectingOf('  Using cached numpy-2.4.6.whl (16 MB)'), null);
});

void test('a wheel that fails to build is named', () => {
  const out = `Collecting fancy==1.0\n  Downloading fancy-1.0.tar.gz\nBuilding wheels for collected packages: fancy\n  error: subprocess-exited-with-error\nERROR: Failed building wheel for fancy\n`;
  assert.deepEqual(explainPipFailure(out, 'fancy==1.0'), {
    pkg: 'fancy',
    reason: 'building its wheel failed',
  });
});

void test('an OS error has no package in its text, so the current requirement is named', () => {
  const out = `Collecting big==1\nERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n`;
  const f = explainPipFailure(out, 'big==1');
  assert.equal(f.pkg, 'big==1');
  assert.equal(f.reason, 'OSError: [Errno 28] No space left on device');
});

void test('an unknown failure gives pip error line, or the last lines', () => {
  assert.deepEqual(explainPipFailure('Collecting a==1\nERROR: something odd\n', 'a==1'), {
    pkg: 'a==1',
    reason: 'something odd',
  });
  assert.equal(explainPipFailure('x\ny\nz\n', null).reason, 'x / y / z');
});
