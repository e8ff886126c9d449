import { describe, expect, it } from 'vitest';
import { startHttpService } from '../../../src/adapters/http/http-service.js';
import { registerRoutes } from '../../../src/adapters/http/register-routes.js';
import { SqliteOutboxStore } from '../../../src/adapters/mirrors/sqlite-outbox-store.js';
import { RestReferralSink } from '../../../src/adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { entry, HOUR, moved, NOW } from './mirror-test-kit.js';

describe('the outbox with a rest sink (workers on other hosts write to the served register)', () => {
  it('records what the sync credential writes through the API, in the served register’s transactions', async () => {
    const db = openDatabase(':memory:');
    const outbox = new SqliteOutboxStore(db, { entryMirrors: ['hook'] });
    const register = new SqliteReferralSink(db, { outbox, clock: () => NOW });
    const service = await startHttpService({
      host: '127.0.0.1',
      port: 0,
      routes: [
        registerRoutes(register, {
          clientTokens: [],
          syncToken: 'sync-token',
          syncUser: null,
          syncPassword: null,
          open: false,
        }),
      ],
    });
    try {
      const worker = new RestReferralSink({
        url: service.url,
        auth: { kind: 'bearer', token: 'sync-token' },
      });
      const meeting = entry('anna', 'm1', NOW + HOUR);
      const plan = { calendar: meeting.sourceRef.calendar, deletes: [], unchanged: 0, refused: null };
      await worker.apply({ ...plan, creates: [meeting], updates: [] });
      await worker.apply({ ...plan, creates: [meeting], updates: [] });
      await worker.apply({
        ...plan,
        creates: [],
        updates: [moved(meeting, meeting.start, meeting.end + HOUR)],
      });
      const rows = db.prepare("SELECT change FROM outbox WHERE status = 'pending' ORDER BY seq").all() as {
        change: string;
      }[];
      expect(rows.map((row) => row.change)).toEqual(['created', 'updated', 'current', 'ended']);
    } finally {
      await service.close();
      db.close();
    }
  });
});
