/**
 * A stand-in for a Jupyter server in fast hub tests and the hub benchmarks: a tiny Node HTTP server that takes
 * the same command line and variables as `jupyter lab` from the spawner, checks the server token the proxy
 * must send, answers `/api/kernels` and `/api/terminals` with empty lists (the culler's queries) and every
 * other path with who it is and what it was asked, so a test can see which server a request reached.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER_JS = `
const http = require('node:http');
const arg = (k) => (process.argv.find((a) => a.startsWith('--ServerApp.' + k + '=')) || '').split('=')[1];
const port = Number(arg('port'));
const base = arg('base_url');
const token = process.env.JUPYTER_TOKEN;
const server = process.env.JUPYTERHUB_SERVER_NAME;
http.createServer((req, res) => {
  req.resume();
  if (req.headers.authorization !== 'token ' + token) { res.writeHead(403).end('bad token'); return; }
  if (!req.url.startsWith(base)) { res.writeHead(404).end('not under ' + base); return; }
  const rest = req.url.slice(base.length).split('?')[0];
  res.writeHead(200, { 'content-type': 'application/json' });
  if (rest === 'api/kernels' || rest === 'api/terminals') { res.end('[]'); return; }
  res.end(JSON.stringify({ server, user: process.env.JUPYTERHUB_USER, path: req.url, pid: process.pid }));
}).listen(port, '127.0.0.1', () => console.log('stand-in server ' + JSON.stringify(server) + ' on ' + port));
process.on('SIGTERM', () => process.exit(0));
`;

/** Writes a `jupyter` stand-in (a shell script running the Node server above); returns its path and cleanup. */
export function standInJupyter(): { command: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-stand-in-'));
  writeFileSync(join(dir, 'server.cjs'), SERVER_JS);
  const command = join(dir, 'jupyter');
  writeFileSync(command, `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'server.cjs')}' "$@"\n`);
  chmodSync(dir, 0o755);
  chmodSync(command, 0o755);
  return { command, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
