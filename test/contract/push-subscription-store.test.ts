import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { MemoryPushStore } from '../../src/adapters/stores/memory-push-store.js';
import { RedisPushStore } from '../../src/adapters/stores/redis-push-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { SqlitePushStore } from '../../src/adapters/stores/sqlite-push-store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { pushStoreContract } from './push-subscription-store.contract.js';

pushStoreContract({
  name: 'memory',
  async create() {
    return { store: new MemoryPushStore(), dispose: async () => {} };
  },
});

pushStoreContract({
  name: 'sqlite',
  async create() {
    const db = openDatabase(':memory:');
    return {
      store: new SqlitePushStore(db),
      dispose: async () => {
        db.close();
      },
    };
  },
});

let server: RedisServer;
let prefixes = 0;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.dispose();
});

pushStoreContract({
  name: 'redis',
  async create() {
    const redis = new Redis(server.url);
    const store = new RedisPushStore(redis, { prefix: `push${++prefixes}` });
    return {
      store,
      dispose: async () => {
        await redis.quit();
      },
    };
  },
});
