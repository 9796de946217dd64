#!/usr/bin/env node
// Builds the proxy's WebSocket relay (relay.c, a Node-API addon) into build/relay.node with the system's C
// compiler and Node's own headers. Run by `npm install`/`npm ci` (package.json "install") and by
// scripts/setup-test-env.sh; rebuilds only when relay.c is newer. It never fails the install: without a
// compiler or headers the proxy relays WebSockets in JavaScript instead (TerraHub logs which at start).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);
const src = join(here, 'relay.c');
const out = join(here, 'build', 'relay.node');

function headers() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null;
}

if (process.platform !== 'linux') {
  console.log('relay: not Linux; the proxy relays WebSockets in JavaScript');
} else if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) {
  console.log(`relay: ${out} is up to date`);
} else {
  const inc = headers();
  if (!inc) {
    console.log("relay: Node's headers (node_api.h) not found; the proxy relays WebSockets in JavaScript");
  } else {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      const cc = ['cc', 'gcc'].find((c) => {
        try {
          execFileSync(c, ['--version'], { stdio: 'ignore' });
          return true;
        } catch {
          return false;
        }
      });
      if (!cc) throw new Error('no C compiler (cc or gcc)');
      const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-fPIC', '-shared', '-pthread'];
      execFileSync(cc, [...flags, '-I', inc, src, '-o', tmp], { stdio: 'inherit' });
      renameSync(tmp, out); // atomic: a running TerraHub never loads a half-written file
      console.log(`relay: built ${out}`);
    } catch (e) {
      console.log(`relay: not built (${e.message}); the proxy relays WebSockets in JavaScript`);
    }
  }
}
