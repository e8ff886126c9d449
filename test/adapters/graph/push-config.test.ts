import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { loadConfig } from '../../../src/app/config/load-config.js';
import {
  scheduledPollDue,
  subscriptionRetryDelayMs,
  subscriptionStep,
} from '../../../src/domain/push-plan.js';

const HOUR = 3_600_000;

function load(push: string, graph = 'graph: { tenantId: t, clientId: c }') {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-push-config-'));
  const file = path.join(dir, 'hanvisa.yaml');
  writeFileSync(
    file,
    `codes:\n  entries:\n    - { code: MÖT, reason: meeting, label: Möte }\ndirectory: {}\n${graph}\n${push}\n`,
  );
  return () => loadConfig(file, readEnvironment({}));
}

describe('push: config', () => {
  it('resolves defaults: 72 h lifetime (inside Graph’s 10,080 minutes), renew 48 h before, safety poll 1 h', () => {
    expect(load('push: { publicUrl: "https://hanvisa.vara.se/" }')().push).toEqual({
      publicUrl: 'https://hanvisa.vara.se',
      lifetimeMs: 72 * HOUR,
      renewBeforeMs: 48 * HOUR,
      safetyPollMs: HOUR,
      coalesceMs: 2_000,
      maxCreatesPerSlot: 500,
      bodyLimit: 1024 * 1024,
    });
    expect(load('')().push).toBeNull();
  });

  it('refuses what Graph would refuse, naming the path', () => {
    expect(load('push: { publicUrl: "https://h.example", lifetime: 170h }')).toThrow(
      /push\.lifetime: Graph allows at most 10080m/,
    );
    expect(load('push: { publicUrl: "http://hanvisa.vara.se" }')).toThrow(
      /push\.publicUrl: Graph calls back over https/,
    );
    expect(load('push: { publicUrl: "https://h.example", renewBefore: 80h }')).toThrow(
      /push\.renewBefore: renewBefore must be shorter than lifetime/,
    );
    expect(load('push: { publicUrl: "https://h.example" }', '')).toThrow(/push: needs the graph: section/);
    expect(load('push: { publicUrl: "http://127.0.0.1:8080" }')().push?.publicUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });
});

describe('push plans (domain)', () => {
  const active = { subscriptionId: 's', status: 'active' as const, expiresAt: 100 * HOUR, retryAt: null };
  it('creates, renews inside renewBefore, recreates an expired one, waits for a failing one’s retry', () => {
    const timing = { renewBeforeMs: 48 * HOUR };
    expect(subscriptionStep(null, 0, timing)).toBe('create');
    expect(subscriptionStep(active, 10 * HOUR, timing)).toBe('none');
    expect(subscriptionStep(active, 53 * HOUR, timing)).toBe('renew');
    expect(subscriptionStep(active, 100 * HOUR, timing)).toBe('create');
    const failing = { subscriptionId: null, status: 'failing' as const, expiresAt: null, retryAt: 5 * HOUR };
    expect(subscriptionStep(failing, 4 * HOUR, timing)).toBe('wait');
    expect(subscriptionStep(failing, 5 * HOUR, timing)).toBe('create');
    expect([1, 2, 3, 10].map(subscriptionRetryDelayMs)).toEqual([300_000, 600_000, 1_200_000, 6 * HOUR]);
  });

  it('a healthy subscription turns the poll into a safety poll; anything else polls normally', () => {
    const timing = { safetyPollMs: HOUR };
    expect(scheduledPollDue(active, 10 * HOUR, 10.5 * HOUR, timing)).toBe(false);
    expect(scheduledPollDue(active, 10 * HOUR, 11 * HOUR, timing)).toBe(true);
    expect(scheduledPollDue(active, null, 10 * HOUR, timing)).toBe(true);
    expect(scheduledPollDue(null, 10 * HOUR, 10.1 * HOUR, timing)).toBe(true);
    expect(scheduledPollDue({ ...active, status: 'failing' }, 10 * HOUR, 10.1 * HOUR, timing)).toBe(true);
    expect(scheduledPollDue({ ...active, expiresAt: 10 * HOUR }, 10 * HOUR, 10.1 * HOUR, timing)).toBe(true);
  });
});
