// WebSocket load for bench/hub/proxy.bench.ts, in a process of its own so that the clients compete with
// neither proxy for its event loop: `clients` sockets each send, await the echo, and send again.
//   node bench/hub/ws-load.js <url> <clients> <seconds> [authorization header value]
// Prints the round trips per second.
import WebSocket from 'ws';

const [url, clientsArg, secondsArg, authorization] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const headers = authorization ? { authorization } : {};
let count = 0;
const end = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async () => {
    const ws = new WebSocket(url, { headers });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await new Promise((resolve) => {
      ws.on('message', () => {
        count++;
        if (Date.now() < end) ws.send('ping');
        else resolve();
      });
      ws.send('ping');
    });
    ws.close();
  }),
);
console.log((count / seconds).toFixed(0));
