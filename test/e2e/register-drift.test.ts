import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hanvisa, sampleWorkspace } from '../helpers/cli.js';

const NOW = ['--now', '2026-11-30T07:00:00Z'];

interface Row {
  id: string;
  label: string;
  end: number;
  source: string;
  uid: string;
  content_hash: string;
}

const workspaces: string[] = [];
afterEach(() => {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sync(config: string) {
  const result = hanvisa(['sync', '--once', '--config', config, '--json', ...NOW]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { created: number; updated: number; deleted: number; failed: number };
}

/** The register as the switchboard would read it, straight from the file. */
function rows(file: string): Row[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT id, label, "end", source, uid, content_hash FROM referral_entry ORDER BY id')
      .all() as Row[];
  } finally {
    db.close();
  }
}

function write(file: string, sql: string, ...params: unknown[]): number {
  const db = new Database(file);
  try {
    return db.prepare(sql).run(...params).changes;
  } finally {
    db.close();
  }
}

describe("the register behind hanvisa's back (real sync --once, real SQLite file)", () => {
  it('restores an entry deleted and one edited directly in the file, and never touches a manual entry', () => {
    const workspace = sampleWorkspace();
    workspaces.push(workspace.dir);
    const file = path.join(workspace.dir, 'data/hanvisa.db');
    expect(sync(workspace.config)).toMatchObject({ failed: 0, deleted: 0 });
    const before = rows(file);
    const future = before.filter((row) => row.end > Date.parse('2026-11-30T07:00:00Z'));
    expect(future.length).toBeGreaterThan(3);
    const [deleted, edited, manual] = future as [Row, Row, Row];
    expect(write(file, 'DELETE FROM referral_entry WHERE id = ?', deleted.id)).toBe(1);
    // Edited as a person with a SQL prompt would: the label only, the content hash left as it was.
    expect(write(file, "UPDATE referral_entry SET label = 'Semester' WHERE id = ?", edited.id)).toBe(1);
    // A manual entry (the web or phone referral) that happens to sit on a calendar's id, and one of its own.
    expect(
      write(file, "UPDATE referral_entry SET source = 'manual', label = 'Telefon' WHERE id = ?", manual.id),
    ).toBe(1);
    expect(
      write(
        file,
        `INSERT INTO referral_entry (id, employee, extension, reason, label, mode, start, "end", source, calendar, uid,
           recurrence_id, content_hash, version, updated_at)
         VALUES ('web-1', 'anna', '0512-31001', 'away', 'Borta', 'referred', ?, ?, 'manual', 'anna/ics-1', 'web', NULL, 'x', 1, 0)`,
        Date.parse('2026-11-30T09:00:00Z'),
        Date.parse('2026-11-30T10:00:00Z'),
      ),
    ).toBe(1);
    const manualRows = rows(file).filter((row) => row.source === 'manual');
    // The calendars did not change: before drift repair this round said "unchanged" and repaired nothing.
    expect(sync(workspace.config)).toMatchObject({ created: 1, updated: 1, deleted: 0, failed: 0 });
    const after = rows(file);
    expect(after.filter((row) => row.source === 'manual')).toEqual(manualRows);
    expect(after.filter((row) => row.source === 'calendar')).toEqual(
      before.filter((row) => row.id !== manual.id),
    );
    expect(sync(workspace.config)).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(rows(file)).toEqual(after);
  });

  it('keeps no event uid in the register: sourceRef.uid is a keyed hash, stable across runs', () => {
    const workspace = sampleWorkspace();
    workspaces.push(workspace.dir);
    const file = path.join(workspace.dir, 'data/hanvisa.db');
    sync(workspace.config);
    const first = rows(file);
    expect(first.every((row) => /^hmac-sha256:[0-9a-f]{32}$/.test(row.uid))).toBe(true);
    const listed = hanvisa(['referrals', '--config', workspace.config]);
    expect(listed.stdout).not.toMatch(/@|\.ics|uid-/i);
    sync(workspace.config);
    expect(rows(file)).toEqual(first);
  });

  it('upgrades a register an older hanvisa wrote (schema 2, verbatim uids): every uid keyed, ended ones too', () => {
    const workspace = sampleWorkspace();
    workspaces.push(workspace.dir);
    const file = path.join(workspace.dir, 'data/hanvisa.db');
    sync(workspace.config);
    // Back to what hanvisa 0.1 left: schema 2, no digests, no key, uids stored as they were.
    const db = new Database(file);
    db.exec(`DROP TABLE push_subscription; DROP TABLE push_notified; DROP INDEX referral_entry_end; DROP TABLE secret;
      ALTER TABLE calendar_state DROP COLUMN register_digest; PRAGMA user_version = 2;
      UPDATE referral_entry SET uid = 'uid-' || id;
      UPDATE referral_entry SET start = 1000, "end" = 2000 WHERE rowid = (SELECT min(rowid) FROM referral_entry);`);
    db.close();
    const result = sync(workspace.config);
    expect(result).toMatchObject({ created: 0, deleted: 0, failed: 0 });
    const upgraded = rows(file);
    expect(upgraded.every((row) => /^hmac-sha256:[0-9a-f]{32}$/.test(row.uid))).toBe(true);
    expect(upgraded.find((row) => row.end === 2000)).toBeDefined();
    expect(sync(workspace.config)).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });
});
