// The installed CLI's `--help` and `COMMAND --help` come from the build's rendering (no yargs load): they must print
// exactly what yargs prints live for the same request, which an extra harmless option forces (`--json` is shown in
// every command's help either way).
import { describe, expect, it } from 'vitest';
import { qsc } from '../support/cluster.js';

describe('help rendered at build time', () => {
  it.each([
    [[]],
    [['submit']],
    [['tags']],
    [['detect']],
    [['cache']],
    [['warm']],
    [['login']],
    [['import']],
    [['logout']],
  ])('%j --help prints what yargs prints live', async (command) => {
    const rendered = await qsc([...command, '--help']);
    const live = await qsc([...command, '--json', '--help']);
    expect(rendered.code).toBe(0);
    expect(live.code).toBe(0);
    expect(rendered.stdout).toContain('Options:');
    expect(rendered.stdout).toBe(live.stdout);
  });

  it('is English whatever the locale, like the rest of the CLI', async () => {
    const german = await qsc(['tags', '--json', '--help'], { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
    expect(german.stdout).toContain('Options:');
    expect(german.stdout).not.toContain('Optionen:');
  });
});
