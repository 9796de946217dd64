import { it } from 'node:test';
import { catalogStoreContract } from '../store.contract.ts';
import { spaceTimeContract } from '../store.contract.space-time.ts';
import { PostgresCatalogStore } from './store.postgres.ts';
import { freshSchema, postgresTestUrl, SKIP_REASON } from './testing.postgres.ts';

const url = postgresTestUrl();
if (!url) {
  void it('CatalogStore contract: postgres', { skip: SKIP_REASON }, () => undefined);
} else {
  const make = async () => {
    const { schema, drop } = freshSchema(url);
    const store = await PostgresCatalogStore.open({ url, schema, poolSize: 4 });
    return {
      store,
      close: async () => {
        await store.close();
        await drop();
      },
    };
  };
  catalogStoreContract('postgres', make);
  spaceTimeContract('postgres', make);
}
