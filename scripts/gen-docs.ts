// Writes the generated reference docs: docs/configuration.md (key table) and docs/errors.md (error registry).
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/core/config/docs.ts';
import { renderErrorDocs } from '../src/core/errors.docs.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
