import { startHttpService } from '../../src/adapters/http/http-service.js';
import { registerRoutes } from '../../src/adapters/http/register-routes.js';
import { RestReferralSink } from '../../src/adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { referralSinkContract } from './referral-sink.contract.js';

/** The rest sink against hanvisa's own served register, over real HTTP on loopback. */
referralSinkContract({
  name: 'rest (served register)',
  async create() {
    const db = openDatabase(':memory:');
    const store = new SqliteReferralSink(db);
    const server = await startHttpService({
      host: '127.0.0.1',
      port: 0,
      routes: [
        registerRoutes(store, {
          clientTokens: [],
          syncToken: 'contract-token',
          syncUser: null,
          syncPassword: null,
          open: false,
        }),
      ],
    });
    const sink = new RestReferralSink({ url: server.url, auth: { kind: 'bearer', token: 'contract-token' } });
    return {
      sink,
      backdoor: {
        async put(entry) {
          store.upsertSync(entry);
        },
      },
      async dispose() {
        await sink.close();
        await server.close();
        db.close();
      },
    };
  },
});
