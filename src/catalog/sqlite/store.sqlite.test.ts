import { openDatabase } from '../../core/db.ts';
import { catalogStoreContract } from '../store.contract.ts';
import { spaceTimeContract } from '../store.contract.space-time.ts';
import { SqliteCatalogStore } from './store.sqlite.ts';

catalogStoreContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return {
    store: new SqliteCatalogStore(db),
    close: async () => {
      db.close();
    },
  };
});

spaceTimeContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return {
    store: new SqliteCatalogStore(db),
    close: async () => {
      db.close();
    },
  };
});
