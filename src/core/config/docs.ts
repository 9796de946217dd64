/**
 * Renders docs/configuration.md from the key table, so the documentation cannot drift from the code.
 * `npm run docs:config` writes it; a test fails when the committed file differs.
 */
import { CONFIG_KEYS } from './keys.ts';
import { envName } from './load.ts';

function show(v: unknown, type: string): string {
  if (type === 'duration') return `${Number(v) / 1000}s`;
  if (v === '') return '(empty)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function renderConfigDocs(): string {
  const rows = Object.entries(CONFIG_KEYS).map(([key, def]) => {
    const flag = 'flag' in def && def.flag ? `\`${def.flag}\`` : '';
    const secret = 'secret' in def && def.secret ? ' Secret: redacted in `config show`, no flag.' : '';
    const dflt = show(def.default, def.type).replace(/\|/g, '\\|');
    return `| \`${key}\` | \`${envName(key)}\` | ${flag} | ${def.type.replace(/\|/g, '\\|')} | \`${dflt}\` | ${def.doc.replace(/\|/g, '\\|')}${secret} |`;
  });
  return `# Configuration

Generated from \`src/core/config/keys.ts\` by \`npm run docs:config\`; do not edit by hand.

TerraHub reads its configuration once at start-up, from (later wins):

1. the defaults below;
2. a file given with \`--config FILE\` (or \`TERRAHUB_CONFIG\`): YAML (\`.yaml\`, \`.yml\`), TOML (\`.toml\`) or JSON
   (\`.json\`), where dotted keys are nested sections (\`s3: {port: 9000}\` sets \`s3.port\`);
3. environment variables \`TERRAHUB_<KEY>\` (structured values as JSON);
4. command-line flags of \`terrahub up\` (the main keys only; secrets never have a flag, since flags show in \`ps\`).

Validation is strict: an unknown key (in the file or as a \`TERRAHUB_\` variable) or a bad value stops TerraHub
with exit code 2 and a message naming the key, where it came from and why it is wrong. \`terrahub config show\`
prints the effective configuration with secrets redacted and the source of each value.

Sizes accept \`B, KB, MB, GB, TB\` (powers of 1000) and \`KiB, MiB, GiB, TiB\`; durations accept \`ms, s, m, h, d\`
(a bare number is seconds).

| key | environment variable | flag | type | default | meaning |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}
