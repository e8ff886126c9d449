import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleWorkspace } from '../helpers/cli.js';
import { ROOT } from '../helpers/sample-config.js';

describe('hanvisa start (embedded runtime)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('runs a cycle, then stops cleanly on %s', async (signal) => {
    const workspace = sampleWorkspace();
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/hanvisa.js'), 'start', '--config', workspace.config, '--port', '0'],
      {
        env: { ...process.env, REDIS_URL: '' },
      },
    );
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!signalled && /cycle: 5 calendars/.test(stdout)) {
        signalled = true;
        child.kill(signal);
      }
    });
    const code = await new Promise<number | null>((resolve) =>
      child.on('exit', (exitCode) => resolve(exitCode)),
    );
    expect(stdout).toMatch(/cycle: 5 calendars, \d+ created/);
    expect(stdout).toMatch(/hanvisa: stopped/);
    expect(code).toBe(0);
  });
});
