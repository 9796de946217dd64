#!/usr/bin/env node
// Finds every *.test.ts under src/ and tests/ and runs them with node's own test runner through tsx.
// Node 20's --test does not expand globs, so the list is built here. Pass paths or substrings to filter.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = [...walk('src', []), ...walk('tests', [])].sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}
// CI sets TH_TEST_FORBID_SKIPS=1: the tests skip themselves when a tool they need (GDAL, Chromium,
// PostgreSQL) is missing, and in CI a missing tool is a broken install step, not a reason to pass.
const forbidSkips = process.env.TH_TEST_FORBID_SKIPS === '1';
const tapDir = forbidSkips ? mkdtempSync(join(tmpdir(), 'terrahub-tap-')) : null;
const tapFile = tapDir ? join(tapDir, 'report.tap') : null;
const reporters = tapFile
  ? ['--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`]
  : [];
const r = spawnSync(
  process.execPath,
  // A test that hangs fails after 10 minutes instead of stalling CI; leaked handles cannot keep a run alive.
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    ...reporters,
    '--test-concurrency=2',
    '--test-timeout=600000',
    '--test-force-exit',
    ...files,
  ],
  { stdio: 'inherit' },
);
let status = r.status ?? 1;
if (tapFile) {
  const skipped = readFileSync(tapFile, 'utf8')
    .split('\n')
    .filter((line) => /^\s*ok \d+ - .*# SKIP/.test(line));
  rmSync(tapDir, { recursive: true, force: true });
  if (skipped.length) {
    console.error(`\n${skipped.length} test(s) skipped, which TH_TEST_FORBID_SKIPS=1 forbids:`);
    for (const line of skipped) console.error(`  ${line.trim()}`);
    status = 1;
  }
}
process.exit(status);
