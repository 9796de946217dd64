/**
 * A trivial S3 endpoint for the PUT benchmark (./bench.ts): it answers multipart uploads and PUTs after
 * reading and discarding their bodies, checking and storing nothing. The aws CLI's rate against it is what
 * the client alone reaches on this machine, the ceiling for any server sharing the same cores.
 *
 *   node --import tsx bench/storage/put-sink.ts   (prints its port)
 */
import { createServer } from 'node:http';

const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') {
      res.setHeader('content-type', 'application/xml');
      res.end(
        req.url?.includes('uploads')
          ? `${XML}<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>sink</UploadId></InitiateMultipartUploadResult>`
          : `${XML}<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"sink-1"</ETag></CompleteMultipartUploadResult>`,
      );
    } else {
      res.setHeader('etag', '"d41d8cd98f00b204e9800998ecf8427e"');
      res.end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
