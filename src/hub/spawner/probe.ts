/** The readiness probe: the Jupyter server answers its authenticated /api/status. */
import { request } from 'node:http';

export interface JupyterStatus {
  last_activity?: string;
  connections?: number;
  kernels?: number;
}

/** The parsed /api/status of a server, or null when it does not answer (yet). */
export function jupyterStatus(port: number, prefix: string, secret: string, timeoutMs = 5000) {
  return jupyterGet<JupyterStatus>(port, `${prefix}api/status`, secret, timeoutMs);
}

/** GET a JSON document from a Jupyter server with its token; null when it does not answer with 200. */
export function jupyterGet<T>(
  port: number,
  path: string,
  secret: string,
  timeoutMs = 5000,
): Promise<T | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { authorization: `token ${secret}` },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(null);
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; the server binds it right after). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
