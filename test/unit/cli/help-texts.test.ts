// Which help requests the build's rendering answers: exactly `--help` and `COMMAND --help`; everything else is yargs'.
import { describe, expect, it } from 'vitest';
import { defineCli } from '../../../src/cli/build-cli.js';
import { recordCli } from '../../../src/cli/fast-parse.js';
import { helpArgvs, helpKey } from '../../../src/cli/help-texts.js';

const spec = recordCli(defineCli);

describe('help rendered at build time', () => {
  it('covers the CLI and every command by each of its names', () => {
    expect(helpArgvs(spec).map((argv) => helpKey(spec, argv))).toEqual([
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
    expect(helpKey(spec, argv)).toBe(key);
  });

  it.each([
    [['tensorflow', '--help']],
    [['tags', 'pytorch', '--help']],
    [['--json', '--help']],
    [['--help', 'tags']],
    [['nosuch', '--help']],
    [['tags', '-h']],
    [['--', '--help']],
    [[]],
  ])('leaves %j to yargs', (argv) => {
    expect(helpKey(spec, argv)).toBeUndefined();
  });
});
