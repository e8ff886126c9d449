import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './sample-config.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `hanvisa` command (the built bin), as a user would. */
export function hanvisa(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/hanvisa.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, REDIS_URL: '', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A throwaway copy of the sample: config/hanvisa.yaml and fixtures/ical/*.ics in a temp folder,
 * so a test can change calendars and own its database.
 */
export function sampleWorkspace(): { dir: string; config: string; ics: (name: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-e2e-'));
  mkdirSync(path.join(dir, 'config'));
  cpSync(path.join(ROOT, 'config/hanvisa.yaml'), path.join(dir, 'config/hanvisa.yaml'));
  cpSync(path.join(ROOT, 'fixtures/ical'), path.join(dir, 'fixtures/ical'), {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}golden`),
  });
  return {
    dir,
    config: path.join(dir, 'config/hanvisa.yaml'),
    ics: (name) => path.join(dir, 'fixtures/ical', `${name}.ics`),
  };
}

/** Edits a file in place. */
export function editFile(file: string, edit: (text: string) => string): void {
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}
