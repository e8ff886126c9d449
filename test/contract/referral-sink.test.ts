import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { referralSinkContract } from './referral-sink.contract.js';

referralSinkContract({
  name: 'memory',
  async create() {
    return { sink: new MemoryReferralSink(), dispose: async () => {} };
  },
});

referralSinkContract({
  name: 'sqlite',
  async create() {
    const db = openDatabase(':memory:');
    return {
      sink: new SqliteReferralSink(db),
      dispose: async () => {
        db.close();
      },
    };
  },
});
