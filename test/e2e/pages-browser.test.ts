import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, requireChromium, screenshot, seriousViolations } from '../helpers/browser.js';
import { editFile, sampleWorkspace } from '../helpers/cli.js';
import { ROOT } from '../helpers/sample-config.js';

/** The text after the code in every sample subject ("MÖT: Budgetberedning" → "Budgetberedning"), minus code labels. */
function sampleSubjectTexts(dir: string): string[] {
  const labels = new Set(
    [...readFileSync(path.join(ROOT, 'config/hanvisa.yaml'), 'utf8').matchAll(/label: ([^,}]+)/g)].map(
      (match) => (match[1] ?? '').trim().toLowerCase(),
    ),
  );
  const texts = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ics'))) {
    for (const [, summary] of readFileSync(path.join(dir, file), 'utf8').matchAll(/^SUMMARY[^:]*:(.*)$/gm)) {
      const rest = (summary ?? '').replace(/^\s*\p{L}+\s*[:;]\s*/u, '').trim();
      if (rest.length >= 6 && !labels.has(rest.toLowerCase())) texts.add(rest);
    }
  }
  return [...texts];
}

function icsStamp(instant: number): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

let child: ChildProcess;
let link: string;
let base: string;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let workspace: ReturnType<typeof sampleWorkspace>;
const seen: string[] = [];
/** The service's clock: next Monday 12.05, when the sample has people at lunch and one working from home. */
const NOW = DateTime.now()
  .setZone('Europe/Stockholm')
  .startOf('week')
  .plus({ weeks: 1, hours: 12, minutes: 5 });

beforeAll(async () => {
  requireChromium();
  workspace = sampleWorkspace();
  const units: Record<string, string> = {
    bo: 'Ekonomi',
    anna: 'Redovisning',
    cecilia: 'Redovisning',
    david: 'Budget och analys',
    erik: 'Budget och analys',
  };
  editFile(workspace.config, (text) =>
    Object.entries(units).reduce(
      (config, [id, unit]) => config.replace(`    - id: ${id}\n`, `    - id: ${id}\n      unit: ${unit}\n`),
      text.replace('schedule: { every: 5m }', 'schedule: { every: 2s }'),
    ),
  );
  child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/hanvisa.js'),
      'start',
      '--config',
      workspace.config,
      '--port',
      '0',
      '--now',
      NOW.toISO() as string,
    ],
    {
      env: { ...process.env, REDIS_URL: '', HANVISA_SESSION_SECRET: '' },
    },
  );
  let stdout = '';
  link = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /one-time sign-in link[^:]*: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
      if (match?.[1] !== undefined && /cycle: 5 calendars/.test(stdout)) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`hanvisa start exited (${code}): ${stdout}`)));
  });
  base = new URL(link).origin;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('response', async (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (type.includes('html') || type.includes('json')) seen.push(await response.text().catch(() => ''));
  });
});

afterAll(async () => {
  await browser?.close();
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

async function expectAccessible(name: string) {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

describe('the pages in a browser, served by the real hanvisa start', () => {
  it('the printed one-time link signs in and shows the board with the sample referrals', async () => {
    await page.goto(link);
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.locator('#traffar li.person').count()).toBe(5);
    expect(await page.evaluate('document.activeElement?.id')).toBe('sok');
    expect(await page.locator('#traffar li.person', { hasText: 'Bo Berg' }).textContent()).toContain(
      'Lunch, åter 12.15',
    );
    expect(await page.locator('#traffar li.person', { hasText: 'David Dahl' }).textContent()).toMatch(
      /Info\s+Distansarbete, åter/,
    );
    expect(await page.locator('html').getAttribute('lang')).toBe('sv');
    await screenshot(page, 'board');
    await expectAccessible('board');
  });

  it('search as you type, arrows, Enter for details, Esc clears', async () => {
    await page.locator('#sok').pressSequentially('cec', { delay: 30 });
    await expect.poll(() => page.locator('#traffar li.person').count()).toBe(1);
    expect(await page.locator('#traffar li.person .name').textContent()).toBe('Cecilia Carlsson');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate("document.activeElement?.classList.contains('row')")).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.locator('#traffar button.row').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('#traffar .details').isVisible()).toBe(true);
    await screenshot(page, 'board-details');
    await expectAccessible('board with details');
    await page.keyboard.press('Escape');
    expect(await page.locator('#sok').inputValue()).toBe('');
    expect(await page.evaluate('document.activeElement?.id')).toBe('sok');
    await expect.poll(() => page.locator('#traffar li.person').count()).toBe(5);
    await page.locator('#sok').fill('31003');
    await expect
      .poll(() => page.locator('#traffar li.person .name').allTextContents())
      .toEqual(['David Dahl']);
    await page.locator('#sok').fill('redovisning');
    await expect
      .poll(() => page.locator('#traffar li.person .name').allTextContents())
      .toEqual(['Anna Andersson', 'Cecilia Carlsson']);
    await page.locator('#sok').fill('');
  });

  it('a live update arrives after a sync, without a reload', async () => {
    await page.evaluate('window.notReloaded = true');
    const erik = page.locator('#traffar li.person', { hasText: 'Erik Ek' });
    expect(await erik.textContent()).not.toContain('Sjuk');
    const now = NOW.toMillis();
    editFile(workspace.ics('erik'), (text) =>
      text.replace(
        /END:VCALENDAR\s*$/,
        [
          'BEGIN:VEVENT',
          'UID:live-update@hanvisa.test',
          `DTSTAMP:${icsStamp(now)}`,
          `CREATED:${icsStamp(now - 3_600_000)}`,
          `DTSTART:${icsStamp(now - 600_000)}`,
          `DTEND:${icsStamp(now + 3 * 3_600_000)}`,
          'SUMMARY:SJK: Hemlig diagnos att inte visa',
          'END:VEVENT',
          'END:VCALENDAR',
          '',
        ].join('\r\n'),
      ),
    );
    await expect.poll(() => erik.textContent(), { timeout: 30_000, interval: 500 }).toContain('Sjuk');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await screenshot(page, 'board-live-update');
  });

  it('the employee page shows an unknown code and its suggestion', async () => {
    await page.goto(`${base}/me?anstalld=david`);
    await expect.poll(() => page.locator('main').textContent()).toContain('menade du');
    expect(await page.locator('#rubrik-okanda + p + table').textContent()).toContain('MÖT');
    await screenshot(page, 'me');
    await expectAccessible('/me');
  });

  it('IT sees every calendar, and the code tester answers', async () => {
    await page.goto(`${base}/it`);
    expect(await page.locator('table.calendars tbody tr').count()).toBe(5);
    await screenshot(page, 'it');
    await expectAccessible('/it');
    await page.locator('#amne').fill('MTÖ: Arbetsplatsträff');
    await page.locator('#kodtest button[type=submit]').click();
    await expect.poll(() => page.locator('#kodtest-svar').textContent()).toContain('Menade du MÖT?');
    expect(new URL(page.url()).pathname).toBe('/it');
    await page.locator('#amne').fill('möt; Budget');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#kodtest-svar').textContent()).toContain('Bara information');
    await screenshot(page, 'it-code-tester');
    await expectAccessible('/it with an answer');
    await page.locator('button[aria-label="Synka nu: Erik Eks kalender"]').click();
    await expect
      .poll(() => page.locator('p.notice').textContent())
      .toBe('Kalendern erik/ics-1 läses om strax.');
  });

  it('the code manual and the manager report are accessible', async () => {
    await page.goto(`${base}/it/koder`);
    expect(await page.locator('table.codes tbody tr').count()).toBe(11);
    await screenshot(page, 'codes');
    await expectAccessible('/it/koder');
    await page.goto(`${base}/reports?chef=bo`);
    expect(await page.locator('svg.chart rect').count()).toBe(12);
    await screenshot(page, 'reports');
    await expectAccessible('/reports');
  });

  it('no subject text in any page, API answer or event the browser saw', async () => {
    const subjects = [
      ...sampleSubjectTexts(path.dirname(workspace.ics('anna'))),
      'Hemlig diagnos att inte visa',
    ];
    expect(subjects.length).toBeGreaterThan(5);
    const events = await page.evaluate(async () => {
      const response = await fetch('/api/tavla/handelser');
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const chunk = await reader.read();
      await reader.cancel();
      return new TextDecoder().decode(chunk.value);
    });
    for (const text of [...seen, events]) for (const subject of subjects) expect(text).not.toContain(subject);
    expect(seen.length).toBeGreaterThan(8);
  });

  it('signs out', async () => {
    await page.goto(`${base}/it`);
    await page.locator('header form button').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Du är utloggad');
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
  });
});
