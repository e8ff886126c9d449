import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGraphDirectory } from '../../../src/adapters/graph/graph-directory.js';
import type { Employee } from '../../../src/app/config/load-config.js';
import { APP, GRAPH, harness, nockToken } from './graph-test-kit.js';

const GROUP = '0c9b8a7d-1111-4222-8333-444455556666';
const members = {
  '@odata.context': `${GRAPH}/v1.0/$metadata#users(id,displayName,mail,userPrincipalName,businessPhones)`,
  '@odata.nextLink': `${GRAPH}/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user?$select=id,displayName,mail,userPrincipalName,businessPhones&$top=999&$skiptoken=m2`,
  value: [
    // listed in the config directory (matched by email): keeps id "anna", its extension and has no config manager
    {
      id: 'aaaa0000-0000-4000-8000-000000000001',
      displayName: 'Anna Andersson',
      mail: 'Anna.Andersson@vara.se',
      userPrincipalName: 'anna.andersson@vara.se',
      businessPhones: ['+46 512 999 99'],
    },
    // not in the config: extension from businessPhones, manager from Entra ID
    {
      id: 'ffff0000-0000-4000-8000-000000000006',
      displayName: 'Frida Fors',
      mail: 'frida.fors@vara.se',
      userPrincipalName: 'frida.fors@vara.se',
      businessPhones: ['0512-31006'],
    },
  ],
};
const page2 = {
  value: [
    // no extension anywhere: skipped
    {
      id: 'gggg0000-0000-4000-8000-000000000007',
      displayName: 'Gustav Gran',
      mail: 'gustav.gran@vara.se',
      userPrincipalName: 'gustav.gran@vara.se',
      businessPhones: [],
    },
  ],
};

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Entra ID directory (graph.optInGroup)', () => {
  it('group members become employees with a Graph calendar each; extension and manager by the configured rule', async () => {
    const h = harness();
    nockToken(1);
    const scope = nock(GRAPH)
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query((query) => query.$skiptoken === undefined)
      .reply(200, members)
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query((query) => query.$skiptoken === 'm2')
      .reply(200, page2)
      .get('/v1.0/users/aaaa0000-0000-4000-8000-000000000001/manager')
      .query(true)
      .reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } })
      .get('/v1.0/users/ffff0000-0000-4000-8000-000000000006/manager')
      .query(true)
      .reply(200, {
        id: 'bbbb0000-0000-4000-8000-000000000002',
        displayName: 'Bo Berg',
        mail: 'bo.berg@vara.se',
        userPrincipalName: 'bo.berg@vara.se',
      })
      .get('/v1.0/users/gggg0000-0000-4000-8000-000000000007/manager')
      .query(true)
      .reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } });
    const employees = new Map(h.config.employees);
    employees.set('anna', { ...(employees.get('anna') as Employee), email: 'anna.andersson@vara.se' });
    employees.set('bo', { ...(employees.get('bo') as Employee), email: 'bo.berg@vara.se' });
    const directory = await loadGraphDirectory({
      http: h.source.http,
      clientId: APP,
      groupId: GROUP,
      extensionFrom: 'directory',
      configEmployees: employees,
    });
    scope.done();
    expect(directory.employees).toEqual([
      { id: 'anna', name: 'anna', email: 'anna.andersson@vara.se', extension: '0512-31000', manager: null },
      {
        id: 'ffff0000-0000-4000-8000-000000000006',
        name: 'Frida Fors',
        email: 'frida.fors@vara.se',
        extension: '0512-31006',
        manager: 'bo',
      },
    ]);
    expect(directory.calendars).toEqual([
      {
        id: 'anna/graph-entra',
        employee: 'anna',
        kind: 'graph',
        address: 'aaaa0000-0000-4000-8000-000000000001',
      },
      {
        id: 'ffff0000-0000-4000-8000-000000000006/graph-entra',
        employee: 'ffff0000-0000-4000-8000-000000000006',
        kind: 'graph',
        address: 'ffff0000-0000-4000-8000-000000000006',
      },
    ]);
    expect(directory.managers).toEqual([]);
    expect(directory.skipped).toEqual({ noExtension: 1 });
  });

  it('extensionFrom businessPhones prefers the Entra number; a missing group is a permanent error saying what to check', async () => {
    const h = harness();
    nockToken(1);
    nock(GRAPH)
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query(true)
      .reply(200, { value: members.value.slice(0, 1) })
      .get('/v1.0/users/aaaa0000-0000-4000-8000-000000000001/manager')
      .query(true)
      .reply(200, {
        id: 'cccc0000-0000-4000-8000-000000000009',
        displayName: 'Chef Chefsson',
        mail: 'chef@vara.se',
      });
    const employees = new Map(h.config.employees);
    employees.set('anna', { ...(employees.get('anna') as Employee), email: 'anna.andersson@vara.se' });
    const directory = await loadGraphDirectory({
      http: h.source.http,
      clientId: APP,
      groupId: GROUP,
      extensionFrom: 'businessPhones',
      configEmployees: employees,
    });
    expect(directory.employees[0]?.extension).toBe('+46 512 999 99');
    expect(directory.employees[0]?.manager).toBe('cccc0000-0000-4000-8000-000000000009');
    expect(directory.managers).toEqual([
      { id: 'cccc0000-0000-4000-8000-000000000009', name: 'Chef Chefsson', email: 'chef@vara.se' },
    ]);

    nock(GRAPH)
      .get('/v1.0/groups/missing/transitiveMembers/microsoft.graph.user')
      .query(true)
      .reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } });
    await expect(
      loadGraphDirectory({
        http: h.source.http,
        clientId: APP,
        groupId: 'missing',
        extensionFrom: 'directory',
        configEmployees: employees,
      }),
    ).rejects.toThrow(/directory group missing: group not found \(404\): check graph\.optInGroup/);
  });
});
