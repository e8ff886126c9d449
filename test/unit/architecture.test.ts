import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/sample-config.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

const IMPORT = /^\s*import\s[^'"]*['"]([^'"]+)['"]/gm;
const DOMAIN_PACKAGES = new Set(['luxon', 'node:crypto']);

describe('architecture (DESIGN.md: imports only point down)', () => {
  const domain = sourceFiles('src/domain');

  it.each(domain)('%s imports only the domain, luxon and node:crypto', (file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const [, target] of text.matchAll(IMPORT)) {
      if (target === undefined) continue;
      if (target.startsWith('.')) {
        expect(
          path.resolve(path.dirname(path.join(ROOT, file)), target),
          `${file} imports ${target}`,
        ).toContain(`${path.sep}src${path.sep}domain${path.sep}`);
      } else {
        expect(DOMAIN_PACKAGES.has(target), `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it.each(domain)('%s never reads the clock or the environment', (file) => {
    const code = readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/Date\.now\(|new Date\(\)|DateTime\.now\(|DateTime\.local\(\)|process\.env/);
  });

  it('process.env is read in src/app/config/environment.ts only', () => {
    const readers = [...sourceFiles('src'), ...sourceFiles('workers')].filter((file) =>
      /process\.env/.test(readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '')),
    );
    expect(readers).toEqual([path.join('src', 'app', 'config', 'environment.ts')]);
  });

  const importsOf = (file: string): string[] => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    return [...text.matchAll(IMPORT)]
      .map(([, target]) => target as string)
      .filter((target) => target.startsWith('.'))
      .map((target) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), target)));
  };
  const WIRING = new Set([path.join('src', 'app', 'composition-root.ts')]);

  it.each(sourceFiles('src/app').filter((file) => !WIRING.has(file)))(
    '%s imports no adapter (only the composition root wires them)',
    (file) => {
      for (const target of importsOf(file))
        expect(target, `${file} imports ${target}`).not.toMatch(/^src[\\/]adapters/);
    },
  );

  it.each(sourceFiles('workers'))('%s imports neither src/cli nor src/adapters', (file) => {
    for (const target of importsOf(file))
      expect(target, `${file} imports ${target}`).not.toMatch(/^src[\\/](cli|adapters)/);
  });

  it.each(sourceFiles('src/adapters'))('%s does not import the app config types', (file) => {
    for (const target of importsOf(file))
      expect(target, `${file} imports ${target}`).not.toMatch(/^src[\\/]app[\\/]config/);
  });
});
