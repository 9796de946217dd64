import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installQuickstarts, quickstartNotebooks } from './quickstarts.ts';

void test('the quickstarts are valid notebooks, one per topic, in reading order', () => {
  const names = quickstartNotebooks();
  assert.equal(names.length, 4);
  assert.match(names[0]!, /^01-/);
  for (const n of names) {
    const nb = JSON.parse(readFileSync(join(import.meta.dirname, 'quickstart', n), 'utf8'));
    assert.equal(nb.nbformat, 4, n);
    assert.ok(nb.cells.length > 2, n);
    // Shipped clean: no outputs or execution counts from a developer's run.
    for (const c of nb.cells) {
      if (c.cell_type !== 'code') continue;
      assert.deepEqual(c.outputs, [], n);
      assert.equal(c.execution_count, null, n);
    }
  }
});

void test("installQuickstarts copies into ~/quickstart and never overwrites the user's files", () => {
  const home = mkdtempSync(join(tmpdir(), 'terrahub-home-'));
  try {
    const names = quickstartNotebooks();
    assert.deepEqual(installQuickstarts(home), names);
    const first = join(home, 'quickstart', names[0]!);
    writeFileSync(first, 'my edits');
    rmSync(join(home, 'quickstart', names[1]!));
    // Second start: the edited file stays, the deleted one comes back.
    assert.deepEqual(installQuickstarts(home), [names[1]]);
    assert.equal(readFileSync(first, 'utf8'), 'my edits');
    for (const n of names) assert.ok(existsSync(join(home, 'quickstart', n)));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
