#!/usr/bin/env node
// Builds TerraHub's two Node-API addons with the system's C compiler and Node's own headers: the proxy's
// WebSocket relay (src/hub/proxy/native/relay.c) and the S3 endpoint's zero-copy body sender
// (src/storage/native/sendfile.c), each into its folder's build/*.node. Run by `npm install`/`npm ci`
// (package.json "install") and by scripts/setup-test-env.sh; an addon is rebuilt only when its source is
// newer. It never fails the install: without a compiler or headers each part falls back to JavaScript (and
// TerraHub logs which it uses at start).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '..');
const ADDONS = [
  {
    name: 'relay',
    src: 'src/hub/proxy/native/relay.c',
    fallback: 'the proxy relays WebSockets in JavaScript',
  },
  {
    name: 'sendfile',
    src: 'src/storage/native/sendfile.c',
    fallback: 'the S3 endpoint sends object bytes from JavaScript',
  },
];

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

function build({ name, src, fallback }, inc, cc) {
  const source = join(root, src);
  const out = join(dirname(source), 'build', `${name}.node`);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) {
    console.log(`${name}: ${out} is up to date`);
    return;
  }
  if (!inc || !cc) {
    console.log(
      `${name}: ${inc ? 'no C compiler (cc or gcc)' : "Node's headers (node_api.h) not found"}; ${fallback}`,
    );
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-fPIC', '-shared', '-pthread'];
    execFileSync(cc, [...flags, '-I', inc, source, '-o', tmp], { stdio: 'inherit' });
    renameSync(tmp, out); // atomic: a running TerraHub never loads a half-written file
    console.log(`${name}: built ${out}`);
  } catch (e) {
    console.log(`${name}: not built (${e.message}); ${fallback}`);
  }
}

if (process.platform !== 'linux') {
  for (const a of ADDONS) console.log(`${a.name}: not Linux; ${a.fallback}`);
} else {
  const inc = headers();
  const cc = compiler();
  for (const a of ADDONS) build(a, inc, cc);
}
