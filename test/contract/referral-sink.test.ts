import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { referralSinkContract } from './referral-sink.contract.js';

referralSinkContract({
  name: 'memory',
  async create() {
    const sink = new MemoryReferralSink();
    return {
      sink,
      backdoor: {
        async put(entry) {
          sink.put(entry);
        },
      },
      dispose: async () => {},
    };
  },
});

referralSinkContract({
  name: 'sqlite',
  async create() {
    const db = openDatabase(':memory:');
    const sink = new SqliteReferralSink(db);
    return {
      sink,
      backdoor: {
        async put(entry) {
          sink.upsertSync(entry);
        },
      },
      dispose: async () => {
        db.close();
      },
    };
  },
});
