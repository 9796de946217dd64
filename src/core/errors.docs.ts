/** Renders docs/errors.md from the error registry; a test fails when the committed file differs. */
import { ERROR_CODES } from './errors.ts';

export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, e]) => `| \`${code}\` | ${e.status} | ${e.message.replace(/\|/g, '\\|')} |`,
  );
  return `# Errors

Generated from \`src/core/errors.ts\` by \`npm run docs\`; do not edit by hand.

TerraHub's own JSON APIs (\`/hub/api\`, \`/api/sas/v1\`, \`/api/data/v1\`) answer errors as
\`{"status": <http status>, "code": "<code>", "message": "<what went wrong, for a person>"}\`, sometimes with extra
fields (such as the failing JSON path). The STAC API uses STAC's shape, \`{"code": "<code>", "description": "..."}\`;
the S3 endpoint uses S3's XML error body and S3's own codes (see docs/storage.md); pages for people get an HTML
page. No error ever carries a stack trace: those go to the server log, with the request id.

| code | HTTP status | meaning |
| --- | --- | --- |
${rows.join('\n')}
`;
}
