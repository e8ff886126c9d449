import { startServiceServer } from '../../src/adapters/http/service-server.js';
import { RestReferralSink } from '../../src/adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { HanvisaMetrics } from '../../src/app/metrics.js';
import { referralSinkContract } from './referral-sink.contract.js';

/** The rest sink against hanvisa's own served register, over real HTTP on loopback. */
referralSinkContract({
  name: 'rest (served register)',
  async create() {
    const db = openDatabase(':memory:');
    const store = new SqliteReferralSink(db);
    const ok = async () => ({ ok: true, checks: {} });
    const server = await startServiceServer({
      host: '127.0.0.1',
      port: 0,
      liveness: ok,
      readiness: ok,
      metrics: new HanvisaMetrics().registry,
      register: {
        store,
        auth: { token: 'contract-token', user: null, password: null },
      },
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
