import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './sample-config.js';

/** Debian's chromium; HANVISA_CHROMIUM may point elsewhere. */
export const CHROMIUM = process.env.HANVISA_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test/screenshots');

/**
 * Fails (never skips) when the browser is missing, saying what to install: the browser and
 * accessibility tests are part of `npm test`.
 */
export function requireChromium(binary = CHROMIUM): void {
  if (!existsSync(binary)) {
    throw new Error(
      `the browser tests need Chromium at ${binary}, which is missing: install Debian's package with ` +
        '"sudo apt-get install chromium" (.ci/run does this), or set HANVISA_CHROMIUM to a Chromium binary',
    );
  }
}

/** A headless Chromium with a fresh profile, 1366×768 (the switchboard's screen). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  requireChromium();
  const profile = mkdtempSync(path.join(tmpdir(), 'hanvisa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** axe-core's WCAG 2.1 A and AA rules on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) => result.violations)",
  )) as AxeViolation[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target })),
    }));
}

/** Saves a full-page screenshot under test/screenshots/ (ignored by git). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
