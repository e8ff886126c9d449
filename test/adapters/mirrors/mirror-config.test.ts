import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { loadConfig } from '../../../src/app/config/load-config.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { editFile, sampleWorkspace } from '../../helpers/cli.js';

function configWith(extra: string, env: Record<string, string> = {}) {
  const workspace = sampleWorkspace();
  editFile(workspace.config, (text) => `${text}\n${extra}\n`);
  return loadConfig(workspace.config, readEnvironment(env));
}

describe('mirrors and notify in hanvisa.yaml', () => {
  it('resolves names, defaults and durations, and reads webhook secrets from the environment', () => {
    const config = configWith(
      `mirrors:\n  - { kind: teamsPresence }\n  - { kind: webhook, name: crm, url: "https://crm.example/h", secretEnv: HANVISA_WEBHOOK_SECRET_CRM, retry: { deadAfter: 2h } }`,
      { HANVISA_WEBHOOK_SECRET_CRM: 's3cret', HANVISA_OTHER: 'x' },
    );
    expect(config.mirrors.map((mirror) => mirror.name)).toEqual(['teams', 'crm']);
    expect(config.mirrors[0]).toMatchObject({
      kind: 'teamsPresence',
      presence: { meeting: { availability: 'Busy', activity: 'Busy' } },
      statusMessage: true,
      requestsPer30s: 1500,
      retry: { deadAfterMs: 86_400_000, firstMs: 5_000, maxMs: 900_000 },
    });
    expect(config.mirrors[1]?.retry.deadAfterMs).toBe(7_200_000);
    expect(config.env.webhookSecrets).toEqual({ HANVISA_WEBHOOK_SECRET_CRM: 's3cret' });
    expect(config.notify).toMatchObject({ unknownCode: false, lateEntry: false, manualUrl: null });
  });

  it('refuses a pair Graph does not accept and a duplicate name, saying where', () => {
    let error: unknown = null;
    try {
      configWith(
        'mirrors:\n  - { kind: teamsPresence, presence: { meeting: { availability: Busy, activity: InAMeeting } } }\n  - { kind: teamsPresence }',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('mirrors[0].presence.meeting');
    expect(problems).toContain('Offline/OffWork');
    expect(problems).toContain('mirrors[1].name: duplicate mirror name "teams"');
  });
});
