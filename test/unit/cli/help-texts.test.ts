// Which help requests the build's rendering answers: exactly `--help` and `COMMAND --help`; everything else is yargs'.
import { describe, expect, it } from 'vitest';
import { helpArgvs, helpKey } from '../../../src/cli/help-texts.js';

describe('help rendered at build time', () => {
  it('covers the CLI and every command', () => {
    expect(helpArgvs().map((argv) => helpKey(argv))).toEqual([
      '',
      'submit',
      'tags',
      'detect',
      'cache',
      'warm',
      'login',
      'import',
      'logout',
    ]);
  });

  it.each([
    [['--help'], ''],
    [['tags', '--help'], 'tags'],
    [['submit', '--help'], 'submit'],
  ])('answers %j', (argv, key) => {
    expect(helpKey(argv)).toBe(key);
  });

  it.each([
    [['tensorflow', '--help']],
    [['tags', 'pytorch', '--help']],
    [['--json', '--help']],
    [['--help', 'tags']],
    [['nosuch', '--help']],
    [['constructor', '--help']],
    [['tags', '-h']],
    [['--', '--help']],
    [[]],
  ])('leaves %j to yargs', (argv) => {
    expect(helpKey(argv)).toBeUndefined();
  });
});
