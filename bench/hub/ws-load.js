// WebSocket load for bench/hub/proxy.bench.ts, in a process of its own so that the clients compete with
// neither proxy for its event loop: `clients` sockets each send a message ("ping"), await the echo, and send
// again. Every echo must equal what was sent, or the run stops with exit status 1. Prints one JSON line:
// the round trips per second and the client's own CPU seconds.
//   node bench/hub/ws-load.js <url> <clients> <seconds> <client: ws|raw> [authorization header value]
// Two clients: `ws` (the npm WebSocket library, as a Node program would talk) and `raw`, a lean load
// generator in the spirit of wrk: it does the handshake itself, sends one pre-built masked text frame and
// counts the 6-byte echoes, so that far less of the machine's CPU goes to the client and more of the
// measure is the proxy's. Both proxies face the same client and the same backend.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import WebSocket from 'ws';

const [url, clientsArg, secondsArg, kind = 'ws', authorization] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
let count = 0;
const end = Date.now() + seconds * 1000;

async function wsClient() {
  const ws = new WebSocket(url, { headers: authorization ? { authorization } : {} });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await new Promise((resolve) => {
    ws.on('message', (m) => {
      if (String(m) !== 'ping') fail(`echo ${JSON.stringify(String(m))} instead of "ping"`);
      count++;
      if (Date.now() < end) ws.send('ping');
      else resolve();
    });
    ws.send('ping');
  });
  ws.close();
}

const mask = randomBytes(4);
const FRAME = Buffer.concat([
  Buffer.from([0x81, 0x84]),
  mask,
  Buffer.from('ping').map((b, i) => b ^ mask[i % 4]),
]);
const ECHO = Buffer.from([0x81, 4, ...Buffer.from('ping')]); // the server's frames are not masked

function fail(why) {
  console.error(`ws-load: ${why}`);
  process.exit(1);
}

async function rawClient() {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port) });
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(
    `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (authorization ? `Authorization: ${authorization}\r\n` : '') +
      '\r\n',
  );
  let head = Buffer.alloc(0);
  let pending = Buffer.alloc(0);
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    const onHead = (c) => {
      head = Buffer.concat([head, c]);
      const at = head.indexOf('\r\n\r\n');
      if (at < 0) return;
      const text = head.subarray(0, at).toString('latin1');
      if (!/^HTTP\/1\.1 101/.test(text) || !text.includes(accept)) {
        reject(new Error(`handshake refused: ${text.split('\r\n')[0]}`));
        return;
      }
      socket.off('data', onHead);
      pending = head.subarray(at + 4);
      resolve();
    };
    socket.on('data', onHead);
  });
  await new Promise((resolve) => {
    socket.on('data', (c) => {
      pending = pending.length ? Buffer.concat([pending, c]) : c;
      while (pending.length >= ECHO.length) {
        if (!pending.subarray(0, ECHO.length).equals(ECHO)) fail('an echo differs from the frame sent');
        pending = pending.subarray(ECHO.length);
        count++;
        if (Date.now() < end) socket.write(FRAME);
        else return resolve();
      }
    });
    socket.write(FRAME);
  });
  socket.destroy();
}

await Promise.all(Array.from({ length: clients }, kind === 'raw' ? rawClient : wsClient));
const cpu = process.cpuUsage();
console.log(JSON.stringify({ rate: count / seconds, cpu_s: (cpu.user + cpu.system) / 1e6 }));
