import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../../src/adapters/stores/sqlite-state-store.js';
import { stateStoreContract } from './state-store.contract.js';

stateStoreContract({
  name: 'memory',
  async create() {
    return { store: new MemoryStateStore(), dispose: async () => {} };
  },
});

stateStoreContract({
  name: 'sqlite',
  async create() {
    const db = openDatabase(':memory:');
    return {
      store: new SqliteStateStore(db),
      dispose: async () => {
        db.close();
      },
    };
  },
});
