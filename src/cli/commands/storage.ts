/**
 * `terrahub storage ls|cp|rm|mb|presign|usage`: object storage from the command line, against TerraHub's S3
 * endpoint or any other (`--endpoint-url`). Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or,
 * with `--user NAME`, from that user's keys in the local data directory (never from flags, which `ps` shows).
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseBytes } from '../../core/config/types.ts';
import { publicUrls } from '../../core/config/public-urls.ts';
import { downloadFile, parseS3Uri, uploadFile, type S3Location } from '../../storage/client/transfer.ts';
import { CliError, configFrom, env, EXIT, printJsonOrTable, withServices } from '../context.ts';

interface ClientOpts {
  endpointUrl?: string;
  user?: string;
  region?: string;
}

async function makeClient(cmd: Command): Promise<S3Client> {
  const o = cmd.optsWithGlobals<ClientOpts>();
  const endpoint = o.endpointUrl ?? env('AWS_ENDPOINT_URL') ?? publicUrls(configFrom(cmd)).s3PublicUrl;
  let credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  if (o.user) {
    credentials = await withServices(cmd, (s) => s.identity.users.credentials(o.user!));
  } else if (env('AWS_ACCESS_KEY_ID') && env('AWS_SECRET_ACCESS_KEY')) {
    credentials = { accessKeyId: env('AWS_ACCESS_KEY_ID')!, secretAccessKey: env('AWS_SECRET_ACCESS_KEY')! };
  } else {
    throw new CliError('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --user NAME', EXIT.usage);
  }
  return new S3Client({
    endpoint,
    region: o.region ?? env('AWS_REGION') ?? 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
}

function s3Arg(s: string, what: string): S3Location {
  const loc = parseS3Uri(s);
  if (!loc) throw new CliError(`${what} must be s3://bucket/key, got "${s}"`, EXIT.usage);
  return loc;
}

function progress(total: number, enabled: boolean) {
  if (!enabled) return { tick: (_n: number) => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {value}/{total} bytes | {eta_formatted}',
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(total, 0);
  return { tick: (n: number) => bar.increment(n), stop: () => bar.stop() };
}

async function withClient<T>(cmd: Command, fn: (c: S3Client) => Promise<T>): Promise<T> {
  const c = await makeClient(cmd);
  try {
    return await fn(c);
  } catch (e) {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (err.$metadata?.httpStatusCode) {
      const status = err.$metadata.httpStatusCode;
      const code =
        status === 404
          ? EXIT.notFound
          : status === 403
            ? EXIT.denied
            : status === 409
              ? EXIT.conflict
              : EXIT.failed;
      throw new CliError(`${err.name ?? 'Error'}: ${err.message ?? ''}`, code);
    }
    throw e;
  } finally {
    c.destroy();
  }
}

export function storageCommand(): Command {
  const storage = new Command('storage')
    .description('Object storage: list, copy, remove, make buckets, presign (TerraHub or any S3 endpoint)')
    .option('--endpoint-url <url>', "S3 endpoint (default: AWS_ENDPOINT_URL, else this TerraHub's s3 URL)")
    .option('--user <name>', "use this local user's S3 keys (from the data directory)")
    .option('--region <region>', 'signing region (default us-east-1)');

  storage
    .command('ls [uri]')
    .description('List buckets, or objects under s3://bucket/prefix')
    .option('-r, --recursive', 'list every key under the prefix, not one level')
    .option('--json', 'print JSON')
    .action(async (uri: string | undefined, opts: { recursive?: boolean; json?: boolean }, cmd: Command) => {
      await withClient(cmd, async (c) => {
        if (!uri) {
          const r = await c.send(new ListBucketsCommand({}));
          const rows = (r.Buckets ?? []).map((b) => ({
            name: b.Name,
            created: b.CreationDate?.toISOString(),
          }));
          printJsonOrTable(rows, Boolean(opts.json), ['name', 'created']);
          return;
        }
        const loc = s3Arg(uri, 'ls');
        const rows: Record<string, unknown>[] = [];
        let token: string | undefined;
        do {
          const r = await c.send(
            new ListObjectsV2Command({
              Bucket: loc.bucket,
              Prefix: loc.key,
              ...(opts.recursive ? {} : { Delimiter: '/' }),
              ContinuationToken: token,
            }),
          );
          for (const p of r.CommonPrefixes ?? []) rows.push({ key: p.Prefix, size: null, modified: null });
          for (const o of r.Contents ?? [])
            rows.push({ key: o.Key, size: o.Size, modified: o.LastModified?.toISOString() });
          token = r.NextContinuationToken;
        } while (token);
        printJsonOrTable(rows, Boolean(opts.json), ['key', 'size', 'modified']);
      });
    });

  storage
    .command('cp <src> <dst>')
    .description(
      'Copy a file to or from storage, or between objects (multipart and parallel above --part-size)',
    )
    .option('--part-size <size>', 'multipart part size and threshold', '8MiB')
    .option('--concurrency <n>', 'parts in flight at once', '4')
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        src: string,
        dst: string,
        opts: { partSize: string; concurrency: string; progress: boolean },
        cmd: Command,
      ) => {
        const partSize = parseBytes(opts.partSize);
        if (partSize < 5 * 1024 * 1024) throw new CliError('--part-size must be at least 5MiB', EXIT.usage);
        const concurrency = Math.max(1, Number(opts.concurrency) || 4);
        const from = parseS3Uri(src);
        const to = parseS3Uri(dst);
        await withClient(cmd, async (c) => {
          if (from && to) {
            await c.send(
              new CopyObjectCommand({
                Bucket: to.bucket,
                Key: to.key || basename(from.key),
                CopySource: `${from.bucket}/${encodeURIComponent(from.key)}`,
              }),
            );
          } else if (to) {
            const key = !to.key || to.key.endsWith('/') ? to.key + basename(src) : to.key;
            const bar = progress(statSync(src).size, opts.progress && process.stderr.isTTY === true);
            try {
              await uploadFile(
                c,
                src,
                { bucket: to.bucket, key },
                { partSize, concurrency, onProgress: bar.tick },
              );
            } finally {
              bar.stop();
            }
            process.stdout.write(`upload: ${src} to s3://${to.bucket}/${key}\n`);
          } else if (from) {
            const isDir = (() => {
              try {
                return statSync(dst).isDirectory();
              } catch {
                return false;
              }
            })();
            const file = isDir ? join(dst, basename(from.key)) : dst;
            const head = await c.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key }));
            const total = head.ContentLength ?? 0;
            const bar = progress(total, opts.progress && process.stderr.isTTY === true);
            try {
              await downloadFile(c, from, file, { partSize, concurrency, onProgress: bar.tick });
            } finally {
              bar.stop();
            }
            process.stdout.write(`download: s3://${from.bucket}/${from.key} to ${file}\n`);
          } else {
            throw new CliError('one of <src> and <dst> must be s3://bucket/key', EXIT.usage);
          }
        });
      },
    );

  storage
    .command('rm <uri>')
    .description('Remove an object (or, with --recursive, every object under a prefix)')
    .option('-r, --recursive', 'remove everything under the prefix')
    .action(async (uri: string, opts: { recursive?: boolean }, cmd: Command) => {
      const loc = s3Arg(uri, 'rm');
      await withClient(cmd, async (c) => {
        const keys: string[] = [];
        if (opts.recursive) {
          let token: string | undefined;
          do {
            const r = await c.send(
              new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key, ContinuationToken: token }),
            );
            keys.push(...(r.Contents ?? []).map((o) => o.Key!));
            token = r.NextContinuationToken;
          } while (token);
        } else {
          keys.push(loc.key);
        }
        for (const key of keys) {
          await c.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: key }));
          process.stdout.write(`delete: s3://${loc.bucket}/${key}\n`);
        }
      });
    });

  storage
    .command('mb <uri>')
    .description('Make a bucket (s3://name)')
    .action(async (uri: string, _o: unknown, cmd: Command) => {
      const loc = s3Arg(uri, 'mb');
      await withClient(cmd, async (c) => {
        await c.send(new CreateBucketCommand({ Bucket: loc.bucket }));
        process.stdout.write(`make_bucket: ${loc.bucket}\n`);
      });
    });

  storage
    .command('presign <uri>')
    .description('Print a presigned GET URL for s3://bucket/key')
    .option('--expires-in <seconds>', 'lifetime in seconds (at most 604800)', '3600')
    .action(async (uri: string, opts: { expiresIn: string }, cmd: Command) => {
      const loc = s3Arg(uri, 'presign');
      const expiresIn = Number(opts.expiresIn);
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604800) {
        throw new CliError('--expires-in must be 1 to 604800 seconds', EXIT.usage);
      }
      await withClient(cmd, async (c) => {
        process.stdout.write(
          (await getSignedUrl(c, new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { expiresIn })) +
            '\n',
        );
      });
    });

  storage
    .command('usage [user]')
    .description('Storage used and quota of users (local data directory)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      await withServices(cmd, (s) => {
        const users = name ? [s.identity.users.get(name)] : s.identity.users.list();
        const rows = users.map((u) => ({ user: u.name, ...s.storage.usage(u) }));
        printJsonOrTable(rows, Boolean(opts.json), ['user', 'home_bucket', 'used_bytes', 'quota_bytes']);
      });
    });

  return storage;
}
