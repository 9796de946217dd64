// A trivial backend for the proxy benchmark: "ok" to every HTTP request, echo on every WebSocket message.
// Runs in its own process so that it does not share an event loop with either proxy.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
