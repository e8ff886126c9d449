import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisStateStore } from '../../src/adapters/stores/redis-state-store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { stateStoreContract } from './state-store.contract.js';

let server: RedisServer;
let prefixes = 0;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.dispose();
});

stateStoreContract({
  name: 'redis',
  async create() {
    const store = new RedisStateStore(new Redis(server.url), {
      prefix: `contract${++prefixes}`,
      ownsConnection: true,
    });
    return { store, dispose: () => store.close() };
  },
});
