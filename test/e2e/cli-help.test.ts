import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { hanvisa, sampleWorkspace } from '../helpers/cli.js';
import { ROOT } from '../helpers/sample-config.js';

/** Help text with commander's line wrapping undone, so a phrase can be looked for whole. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

describe('hanvisa: the CLI a person expects (real process)', () => {
  const workspace = sampleWorkspace();
  afterAll(() => rmSync(workspace.dir, { recursive: true, force: true }));

  it('--version prints the package version and nothing else', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const result = hanvisa([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe('');
    }
  });

  it('help lists every command by its words, with the exit codes', () => {
    const result = hanvisa(['help']);
    expect(result.code, result.stderr).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command.name}\\b`, 'm'));
    expect(flat(result.stdout)).toContain('Exit codes: 0 ok, 1 a handled error');
    expect(hanvisa(['--help']).stdout).toBe(result.stdout);
  });

  it.each(COMMANDS.map((command) => [command.name]))(
    'help %s and --help show each option, its default and an example',
    (name) => {
      const command = COMMANDS.find((candidate) => candidate.name === name);
      if (command === undefined) throw new Error(name);
      const viaHelp = hanvisa(['help', ...name.split(' ')]);
      const viaFlag = hanvisa([...name.split(' '), '--help']);
      expect(viaHelp.code, viaHelp.stderr).toBe(0);
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect(viaFlag.stdout).toBe(viaHelp.stdout);
      const text = flat(viaHelp.stdout);
      expect(text).toContain(`Usage: hanvisa ${name}`);
      for (const [option, declaration] of Object.entries(command.options)) {
        expect(text).toContain(`--${option}`);
        expect(text).toContain(flat(declaration.description));
        if (declaration.default !== undefined) expect(text).toContain(`(default: ${declaration.default})`);
      }
      // The common options, with their defaults, on every command.
      expect(text).toContain('--config <file> the config file (default: "config/hanvisa.yaml")');
      expect(text).toContain('--json');
      expect(text).toContain('--now <time>');
      expect(text).toContain(`Examples: $ hanvisa ${name}`);
    },
  );

  it.each([
    [['synk', '--once'], /^hanvisa: unknown command "synk" \(did you mean "sync"\?\)$/m],
    [['reprot', 'late'], /^hanvisa: unknown command "reprot" \(did you mean "report"\?\)$/m],
    [['config', 'valdate'], /^hanvisa config: unknown command "valdate" \(did you mean "validate"\?\)$/m],
    [['help', 'refferals'], /^hanvisa help: unknown command "refferals" \(did you mean "referrals"\?\)$/m],
    [['sync', '--once', '--forse'], /^hanvisa sync: Unknown option '--forse' \(did you mean "--force"\?\)$/m],
    [['report', 'late', '--fromm', '2026-11-16'], /did you mean "--from"\?/],
  ])('a mistyped %j: exit 2, "did you mean", nothing on stdout', (args, message) => {
    const result = hanvisa([...args, '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('no command, or a group without its second word: usage on stderr, exit 2', () => {
    const none = hanvisa([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^Usage: hanvisa/);
    const group = hanvisa(['config']);
    expect(group.code).toBe(2);
    expect(group.stdout).toBe('');
    expect(flat(group.stderr)).toContain('config validate validate a config');
  });

  it('an operand a command does not take is bad usage (exit 2)', () => {
    const result = hanvisa(['referrals', '--config', workspace.config, 'anna']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^hanvisa referrals: too many arguments/m);
  });

  it('the common options may stand before the command', () => {
    const result = hanvisa(['--config', workspace.config, '--json', 'codes', 'check', 'MÖT: Budget']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { subject: 'MÖT: Budget', code: 'MÖT', reason: 'meeting', label: 'Möte', mode: 'referred' },
    ]);
  });
});
