import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpService } from '../../src/adapters/http/http-service.js';
import { pagesRoutes } from '../../src/adapters/http/pages/pages-routes.js';
import { launchBrowser, requireChromium, screenshot, seriousViolations } from '../helpers/browser.js';
import { at, type PagesFixture, pagesFixture } from '../helpers/pages-fixture.js';

/**
 * The pages with the states a fresh sample run does not have (a failing calendar, late entries
 * in the report, an employee's late meeting), in Chromium, checked by axe-core like the others.
 */
let fixture: PagesFixture;
let server: FastifyInstance;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let base: string;

beforeAll(async () => {
  requireChromium();
  fixture = await pagesFixture();
  server = await buildHttpService({ routes: [pagesRoutes(fixture.deps, fixture.options())] });
  await server.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${base}/?token=one-time-token`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('pages with data, in a browser', () => {
  it('IT with a failing calendar', async () => {
    await page.goto(`${base}/it`);
    expect(await page.locator('tr.failing').textContent()).toContain('the feed answered 404');
    await screenshot(page, 'it-failing-calendar');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a manager report with a late entry', async () => {
    await page.goto(`${base}/reports?chef=bo&vecka=2026-W09`);
    expect(await page.locator('main').textContent()).toContain('Anna Andersson');
    await screenshot(page, 'reports-late-entry');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("an employee's page with a late meeting and an unknown code", async () => {
    fixture.clock.now = at('2026-02-24T12:00');
    await page.goto(`${base}/me?anstalld=anna`);
    expect(await page.locator('main').textContent()).toContain('lades in efter tidsgränsen');
    await screenshot(page, 'me-late-meeting');
    expect(await seriousViolations(page)).toEqual([]);
    fixture.clock.now = at('2026-03-03T10:00');
  });

  it('a board with people away, at lunch (info only) and available', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('#traffar li.person.away').count()).toBeGreaterThan(0);
    await screenshot(page, 'board-states');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the sign-in help and error pages', async () => {
    const other = await browser.context.newPage();
    await other.context().clearCookies();
    await other.goto(`${base}/it`);
    expect(new URL(other.url()).pathname).toBe('/auth/login');
    expect(await seriousViolations(other)).toEqual([]);
    await other.goto(`${base}/?token=spent-or-wrong`);
    expect(await other.locator('h1').textContent()).toBe('Länken fungerar inte');
    expect(await seriousViolations(other)).toEqual([]);
    await other.close();
  });
});
