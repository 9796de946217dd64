// A stand-in user server for the proxy's WebSocket tests, in a process of its own: echoes every message,
// closes the socket when told "close", answers plain HTTP with "ok". Prints its port, then one line per
// event ("open", "closed <code>") so the test sees the connection from the server's side.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  process.stdout.write(`open ${req.headers.authorization ?? ''}\n`);
  ws.on('message', (m, binary) => {
    if (!binary && m.toString() === 'close') ws.close(4000, 'asked');
    else ws.send(m, { binary });
  });
  ws.on('close', (code) => process.stdout.write(`closed ${code}\n`));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
