import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/adapters/stores/sqlite-database.js';
import { ROOT } from '../helpers/sample-config.js';

const MODULE = pathToFileURL(path.join(ROOT, 'dist/src/adapters/stores/sqlite-database.js')).href;

/**
 * A real process that waits for the `go` file, then opens (and so migrates) `file` with the
 * built openDatabase: several of them started on one new file race for the first migration.
 */
const OPENER = `
import { existsSync } from 'node:fs';
const [go, file] = process.argv.slice(1);
const { openDatabase } = await import(${JSON.stringify(MODULE)});
while (!existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 1));
const db = openDatabase(file);
db.prepare('SELECT count(*) FROM referral_entry').get();
db.close();
`;

function opener(go: string, file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', OPENER, go, file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase from several processes at once', () => {
  it('migrates one new file once, however many processes open it together', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-migrate-'));
    dirs.push(dir);
    const go = path.join(dir, 'go');
    const files = [1, 2, 3, 4].map((round) => path.join(dir, `round-${round}`, 'hanvisa.db'));
    const running = files.flatMap((file) => [opener(go, file), opener(go, file), opener(go, file)]);
    // Let every child load better-sqlite3 and reach the barrier before releasing them together.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(go, '');
    const results = await Promise.all(running);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    for (const file of files) {
      const db = new Database(file, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      db.close();
    }
  });
});
