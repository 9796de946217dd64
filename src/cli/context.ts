/**
 * What every CLI command shares: loading the configuration from the global options and the environment,
 * opening the local services, exit codes, and printing errors without stack traces.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../core/config/load.ts';
import type { Config, ConfigKey } from '../core/config/keys.ts';
import { DataDirError } from '../core/datadir.ts';
import { isTerraHubError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import type { Services } from '../server/services.ts';

/** Exit codes scripts can rely on (listed in `terrahub --help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, conflict: 4, denied: 5 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** The process environment, captured once by main.ts (the CLI's entry point). */
let ENV: Record<string, string | undefined> = {};
export function setEnv(env: Record<string, string | undefined>): void {
  ENV = env;
}
export function env(name: string): string | undefined {
  return ENV[name];
}
export function allEnv(): Record<string, string | undefined> {
  return ENV;
}

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

/** Effective configuration: global --config/--data-dir plus command flags mapped to keys. */
export function configFrom(cmd: Command, flags: Partial<Record<ConfigKey, unknown>> = {}): Config {
  const g = cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
  return loadConfig({
    file: g.config ?? ENV['TERRAHUB_CONFIG'],
    env: ENV,
    flags: { dataDir: g.dataDir, ...flags },
  }).config;
}

/** Runs `fn` with the local services of the configured data directory, closing them afterwards. */
export async function withServices<T>(cmd: Command, fn: (s: Services) => Promise<T> | T): Promise<T> {
  const config = configFrom(cmd);
  const log: Logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  // Imported here, not at the top: commands that need no local services (cog, storage against a remote
  // endpoint) then never load the server's modules.
  const { buildServices, closeServices } = await import('../server/services.ts');
  const s = await buildServices(config, log);
  try {
    return await fn(s);
  } finally {
    await closeServices(s);
  }
}

/** Prints an error for a person and returns the exit code. Stack traces only with TERRAHUB_DEBUG=1. */
export function reportError(e: unknown): number {
  if (e instanceof CliError) {
    process.stderr.write(`terrahub: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ConfigError) {
    process.stderr.write(`terrahub: configuration error: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof DataDirError) {
    process.stderr.write(`terrahub: ${e.message}\n`);
    return EXIT.failed;
  }
  if (isTerraHubError(e)) {
    process.stderr.write(`terrahub: ${e.message}\n`);
    if (e.status === 404) return EXIT.notFound;
    if (e.status === 409) return EXIT.conflict;
    if (e.status === 401 || e.status === 403) return EXIT.denied;
    return e.status < 500 ? EXIT.usage : EXIT.failed;
  }
  const code = (e as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.usage;
  process.stderr.write(`terrahub: ${(e as Error)?.message ?? String(e)}\n`);
  if (ENV['TERRAHUB_DEBUG'] === '1') process.stderr.write(`${(e as Error)?.stack}\n`);
  return EXIT.failed;
}

/** Reads all of standard input (for secrets passed without showing them in `ps`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function printJsonOrTable(rows: Record<string, unknown>[], json: boolean, columns: string[]): void {
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const cell = (v: unknown): string =>
    Array.isArray(v)
      ? v.join(',')
      : v === null || v === undefined
        ? '-'
        : JSON.stringify(v).replace(/^"|"$/g, '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(line(columns.map((c) => c.toUpperCase())) + '\n');
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))) + '\n');
}
