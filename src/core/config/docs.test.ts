import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigDocs } from './docs.ts';
import { renderErrorDocs } from '../errors.docs.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');

test('docs/configuration.md documents every key (regenerate with `npm run docs`)', () => {
  assert.equal(readFileSync(join(DOCS, 'configuration.md'), 'utf8'), renderConfigDocs());
});

test('docs/errors.md documents every error code (regenerate with `npm run docs`)', () => {
  assert.equal(readFileSync(join(DOCS, 'errors.md'), 'utf8'), renderErrorDocs());
});
