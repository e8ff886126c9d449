import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryReportArchive } from '../../src/adapters/mail/memory-report-archive.js';
import { FolderReportArchive } from '../../src/adapters/mail/report-folder.js';
import type { ReportArchive, ReportDocument } from '../../src/app/ports/report-delivery.js';
import { PermanentError } from '../../src/domain/errors.js';

const DOCUMENT: ReportDocument = {
  id: 'late-entries-bo-2026-03-02--2026-03-08',
  manager: 'bo',
  subject: 'Sena registreringar 2–8 mars 2026 (v. 10)',
  html: '<!DOCTYPE html><p>Åsa</p>',
  attachments: [
    {
      name: 'late-entries-bo-2026-03-02--2026-03-08.csv',
      contentType: 'text/csv; charset=utf-8',
      content: '\uFEFFa;b\r\n',
    },
  ],
};

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const IMPLEMENTATIONS: [string, () => ReportArchive][] = [
  ['memory', () => new MemoryReportArchive()],
  [
    'folder',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-archive-'));
      folders.push(dir);
      return new FolderReportArchive(path.join(dir, 'reports'));
    },
  ],
];

describe.each(IMPLEMENTATIONS)('ReportArchive contract: %s', (_name, create) => {
  it('saves idempotently by id and keeps a pending report, with its files, until cleared', async () => {
    const archive = create();
    await archive.checkWritable();
    const first = await archive.save(DOCUMENT);
    expect(await archive.save(DOCUMENT)).toEqual(first);
    expect(first).toHaveLength(2);
    expect(await archive.listPending()).toEqual([]);
    await archive.markPending(DOCUMENT, { attempts: 1, lastError: 'HTTP 503', nextAttemptAt: 1000 });
    await archive.markPending(DOCUMENT, { attempts: 2, lastError: 'HTTP 503', nextAttemptAt: 2000 });
    expect(await archive.listPending()).toEqual([
      { document: DOCUMENT, attempts: 2, lastError: 'HTTP 503', nextAttemptAt: 2000 },
    ]);
    await archive.clearPending(DOCUMENT.id);
    expect(await archive.listPending()).toEqual([]);
  });

  it('refuses to mark a report pending that was never saved', async () => {
    const archive = create();
    await expect(
      archive.markPending(DOCUMENT, { attempts: 1, lastError: 'x', nextAttemptAt: 0 }),
    ).rejects.toBeInstanceOf(PermanentError);
  });

  it('remembers the last scheduled slot', async () => {
    const archive = create();
    expect(await archive.lastScheduledRun()).toBeNull();
    await archive.recordScheduledRun(1_772_434_800_000);
    expect(await archive.lastScheduledRun()).toBe(1_772_434_800_000);
  });

  it('writes single files', async () => {
    const archive = create();
    const written = await archive.writeFiles([{ name: 'x.csv', contentType: 'text/csv', content: 'a' }]);
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith('x.csv')).toBe(true);
  });
});

describe('FolderReportArchive', () => {
  it('says which setting to fix when the folder cannot be created', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-archive-'));
    folders.push(dir);
    writeFileSync(path.join(dir, 'blocker'), 'a file, not a folder');
    const archive = new FolderReportArchive(path.join(dir, 'blocker', 'reports'));
    await expect(archive.checkWritable()).rejects.toThrow(
      /^reports\.folder \(.*\): cannot create the folder \((ENOTDIR|EEXIST)\)/,
    );
  });

  it('refuses file names that are not plain names', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-archive-'));
    folders.push(dir);
    const archive = new FolderReportArchive(dir);
    await expect(
      archive.writeFiles([{ name: '../escape.csv', contentType: 'text/csv', content: '' }]),
    ).rejects.toThrow(/not a plain file name/);
  });
});
