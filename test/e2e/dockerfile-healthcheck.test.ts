import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';
import { ROOT } from '../helpers/sample-config.js';
import { type ServiceProcess, startService } from '../helpers/service-process.js';

/**
 * The image's default mode without a container engine (none is available here): the config the
 * Dockerfile writes (its own sed expressions, applied to the sample), its ENTRYPOINT + CMD as a
 * process, then its HEALTHCHECK command, which must pass. Only the port is a free one instead of
 * 8080, in the config and the healthcheck alike.
 */
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

function jsonArray(instruction: string): string[] {
  const match = new RegExp(`^${instruction}\\s+(\\[.*\\])\\s*$`, 'm').exec(dockerfile);
  if (match === null) throw new Error(`Dockerfile has no ${instruction} [...]`);
  return JSON.parse(match[1] as string) as string[];
}

function healthcheckCommand(): string[] {
  const match = /^HEALTHCHECK[^\n]*\\\n\s*CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (match === null) throw new Error('Dockerfile has no HEALTHCHECK … CMD [...]');
  return JSON.parse(match[1] as string) as string[];
}

/** The sample config as the Dockerfile rewrites it, with /app/ pointing at a temp folder. */
function imageConfig(app: string, port: number): string {
  let text = readFileSync(path.join(ROOT, 'config/hanvisa.yaml'), 'utf8');
  for (const [, from, to] of dockerfile.matchAll(/-e 's#([^#]+)#([^#]*)#'/g)) {
    text = text.replaceAll(
      (from as string).replaceAll('\\.', '.'),
      (to as string).replace(/^\/app\//, `${app}/`),
    );
  }
  const file = path.join(app, 'config/hanvisa.yaml');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${text}\nserver: { port: ${port} }\n`);
  return file;
}

let service: ServiceProcess | null = null;
afterEach(async () => {
  await service?.stop('SIGKILL');
});

describe("the Docker image's default mode", () => {
  it('runs the image command and its HEALTHCHECK passes', { timeout: 60_000 }, async () => {
    const app = mkdtempSync(path.join(tmpdir(), 'hanvisa-image-'));
    cpSync(path.join(ROOT, 'fixtures/ical'), path.join(app, 'fixtures/ical'), { recursive: true });
    const port = await freePort();
    const config = imageConfig(app, port);
    expect(readFileSync(config, 'utf8')).toContain(`${app}/fixtures/ical/anna.ics`);
    const [entry, script, ...cmd] = [...jsonArray('ENTRYPOINT'), ...jsonArray('CMD')];
    expect([entry, script, cmd[0]]).toEqual(['node', 'bin/hanvisa.js', 'start']);
    service = startService(
      cmd.slice(1).map((arg) => (arg === '/config/hanvisa.yaml' ? config : arg)),
      {},
    );
    const [node, ...check] = healthcheckCommand().map((arg) =>
      arg.replace('127.0.0.1:8080', `127.0.0.1:${port}`),
    );
    expect(node).toBe('node');
    let code: number | null = null;
    for (let attempt = 0; attempt < 60 && code !== 0; attempt++) {
      code = spawnSync(process.execPath, check, { encoding: 'utf8' }).status;
      if (code !== 0) await sleep(250);
    }
    expect(code, `stdout: ${service.stdout()}\nstderr: ${service.stderr()}`).toBe(0);
    await service.waitFor(/serving http:\/\/127\.0\.0\.1:\d+/);
  });
});
