import { it } from 'node:test';
import { naipBruteForceSuite } from '../api/naip.suite.ts';
import { freshSchema, postgresTestUrl, SKIP_REASON } from './testing.postgres.ts';

// The STAC API over HTTP on the postgres driver: the same brute-force checks as on sqlite.
const url = postgresTestUrl();
if (!url) {
  void it('NAIP searches against brute force: postgres', { skip: SKIP_REASON }, () => undefined);
} else {
  const { schema, drop } = freshSchema(url);
  naipBruteForceSuite('postgres', {
    overrides: {
      'catalog.driver': 'postgres',
      'catalog.postgres.url': url,
      'catalog.postgres.schema': schema,
    },
    cleanup: drop,
  });
}
