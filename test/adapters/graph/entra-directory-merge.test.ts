import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withEntraDirectory } from '../../../src/app/composition-root.js';
import type { HanvisaConfig } from '../../../src/app/config/load-config.js';
import { GRAPH, nockToken, testConfig } from './graph-test-kit.js';

const GROUP = '0c9b8a7d-1111-4222-8333-444455556666';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function withGroup(config: HanvisaConfig): HanvisaConfig {
  const graph = config.graph;
  if (!graph) throw new Error('test config has a graph: section');
  const anna = config.employees.get('anna');
  const employees = new Map(config.employees);
  if (anna) employees.set('anna', { ...anna, email: 'anna.andersson@vara.se' });
  return { ...config, employees, graph: { ...graph, optInGroup: GROUP, batchSize: 1 } };
}

describe('withEntraDirectory (graph.optInGroup wired into the directory)', () => {
  it('returns the config as it is without optInGroup, and makes no request', async () => {
    const config = testConfig();
    expect(await withEntraDirectory(config)).toBe(config);
  });

  it('adds the group members as employees with a Graph calendar, never a second calendar for a configured mailbox', async () => {
    const config = withGroup(testConfig());
    nockToken(1);
    const scope = nock(GRAPH)
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query(true)
      .reply(200, {
        value: [
          {
            id: 'aaaa0000-0000-4000-8000-000000000001',
            displayName: 'Anna Andersson',
            mail: 'anna.andersson@vara.se',
            businessPhones: [],
          },
          {
            id: 'ffff0000-0000-4000-8000-000000000006',
            displayName: 'Frida Fors',
            mail: 'frida.fors@vara.se',
            businessPhones: ['0512-31006'],
          },
        ],
      })
      .get(/\/v1\.0\/users\/[^/]+\/manager/)
      .query(true)
      .times(2)
      .reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } });
    const merged = await withEntraDirectory(config);
    scope.done();
    const frida = 'ffff0000-0000-4000-8000-000000000006';
    expect(merged.employees.get(frida)).toMatchObject({ name: 'Frida Fors', extension: '0512-31006' });
    expect(merged.calendars.filter((calendar) => calendar.employee === frida)).toEqual([
      { id: `${frida}/graph-entra`, employee: frida, kind: 'graph', address: frida },
    ]);
    expect(merged.calendars.filter((calendar) => calendar.employee === 'anna')).toEqual(
      config.calendars.filter((calendar) => calendar.employee === 'anna'),
    );
    expect(merged.calendars.length).toBe(config.calendars.length + 1);
  });
});
