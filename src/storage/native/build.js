#!/usr/bin/env node
// Builds the storage's zero-copy body sender (sendfile.c, a Node-API addon) into build/sendfile.node with
// the system's C compiler and Node's own headers. Run by `npm install`/`npm ci` (package.json "install") and
// by scripts/setup-test-env.sh; rebuilds only when sendfile.c is newer. It never fails the install: without a
// compiler or headers the S3 endpoint sends object bytes from JavaScript instead (s3.sendfile, docs/storage.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);
const src = join(here, 'sendfile.c');
const out = join(here, 'build', 'sendfile.node');
const fallback = 'the S3 endpoint sends object bytes from JavaScript';

function headers() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null;
}

function compiler() {
  return ['cc', 'gcc'].find((c) => {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

if (process.platform !== 'linux') {
  console.log(`sendfile: not Linux; ${fallback}`);
} else if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) {
  console.log(`sendfile: ${out} is up to date`);
} else {
  const inc = headers();
  const cc = compiler();
  if (!inc || !cc) {
    console.log(
      `sendfile: ${inc ? 'no C compiler (cc or gcc)' : "Node's headers (node_api.h) not found"}; ${fallback}`,
    );
  } else {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-fPIC', '-shared', '-pthread'];
      execFileSync(cc, [...flags, '-I', inc, src, '-o', tmp], { stdio: 'inherit' });
      renameSync(tmp, out); // atomic: a running TerraHub never loads a half-written file
      console.log(`sendfile: built ${out}`);
    } catch (e) {
      console.log(`sendfile: not built (${e.message}); ${fallback}`);
    }
  }
}
