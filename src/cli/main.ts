/**
 * The `terrahub` command. Each command lives in commands/; register new ones in COMMANDS below.
 * `--help` works on every command; exit codes are listed in the help text.
 *
 * Only the module of the command being run is imported: the others appear in `terrahub --help` by their
 * summary alone. Importing every command would load the whole program (the server, the AWS SDK, the raster
 * library) for `terrahub cog info`, about 3 s of CPU before any work starts.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/version.ts';
import { EXIT, reportError, setEnv } from './context.ts';

interface CommandEntry {
  /** One line for the command list of `terrahub --help`. */
  summary: string;
  load: () => Promise<Command[]>;
}

const COMMANDS: Record<string, CommandEntry> = {
  up: { summary: 'Start TerraHub', load: async () => [(await import('./commands/up.ts')).upCommand()] },
  user: { summary: 'Manage users', load: async () => [(await import('./commands/users.ts')).userCommand()] },
  token: {
    summary: 'Manage API tokens',
    load: async () => [(await import('./commands/tokens.ts')).tokenCommand()],
  },
  config: {
    summary: 'Inspect the configuration',
    load: async () => [(await import('./commands/config.ts')).configCommand()],
  },
  credentials: {
    summary: "Print a user's credentials for notebooks and tools",
    load: async () => [(await import('./commands/config.ts')).credentialsCommand()],
  },
  stac: {
    summary: 'STAC catalog: load collections and items',
    load: async () => [(await import('./commands/stac.ts')).stacCommand()],
  },
  storage: {
    summary: 'Object storage: ls, cp, rm, mb, presign',
    load: async () => [(await import('./commands/storage.ts')).storageCommand()],
  },
  cog: {
    summary: 'Cloud Optimized GeoTIFFs: create, validate, info',
    load: async () => [(await import('./commands/cog.ts')).cogCommand()],
  },
  ingest: {
    summary: 'Convert, upload and catalog files in one step',
    load: async () => [(await import('./commands/ingest.ts')).ingestCommand()],
  },
  mirror: {
    summary: 'Copy a slice of a STAC API into this TerraHub',
    load: async () => [(await import('./commands/mirror.ts')).mirrorCommand()],
  },
  env: {
    summary: 'Build and inspect notebook environments',
    load: async () => [(await import('./commands/env.ts')).envCommand()],
  },
};

/** The command being run (the first word of argv that is not a global option; in `help X`, X), if any. */
function commandName(args: string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-c' || a === '--config' || a === '--data-dir') i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program with the named command loaded in full; with `'all'`, every command (for tests that walk
 * the whole tree); with null, none. Commands not loaded are stand-ins that only carry their summary for
 * the help text.
 */
export async function program(load: string | null = 'all'): Promise<Command> {
  const p = new Command('terrahub')
    .description('TerraHub: a self-hosted planetary computing hub')
    .version(VERSION)
    .option('-c, --config <file>', 'configuration file (.yaml, .toml or .json); also TERRAHUB_CONFIG')
    .option('--data-dir <dir>', 'data directory (default ./terrahub-data); also TERRAHUB_DATA_DIR')
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 failure, 2 bad usage or configuration, 3 not found, 4 already exists, 5 denied.
Configuration keys: docs/configuration.md.`,
    )
    .showHelpAfterError()
    .exitOverride();
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (load === 'all' || load === name) {
      for (const c of await entry.load()) p.addCommand(c.summary(entry.summary));
    } else {
      p.addCommand(new Command(name).summary(entry.summary).description(entry.summary));
    }
  }
  for (const c of p.commands) c.exitOverride();
  return p;
}

export async function main(argv: string[]): Promise<void> {
  setEnv(process.env);
  let code: number = EXIT.ok;
  try {
    await (await program(commandName(argv.slice(2)) ?? null)).parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      code = reportError(e);
    }
  }
  process.exitCode = code;
}
