// The fast reader (over the declaration in options.ts) agrees with yargs (configured from the same declaration) on
// every option of every command, and leaves help and every usage error to yargs.
import { describe, expect, it } from 'vitest';
import { normalizeGpuFlag, parseCommand } from '../../../src/cli/build-cli.js';
import { parseWithYargs } from '../../../src/cli/yargs-cli.js';
import { fastParse } from '../../../src/cli/fast-parse.js';
import type { CommandSpec } from '../../../src/cli/option-spec.js';
import { CLI, COMMANDS } from '../../../src/cli/options.js';
import { ExitCode } from '../../../src/errors.js';

async function bothWays(argv: readonly string[]) {
  const normalized = normalizeGpuFlag(argv);
  const fast = fastParse(CLI, normalized);
  const slow = await parseWithYargs(normalized).then(
    (parsed) => {
      const { $0: _, ...rest } = parsed;
      return rest;
    },
    (error: Error) => error,
  );
  return { fast, slow };
}

const commands = Object.entries(COMMANDS) as [string, CommandSpec][];

/** Each option of each command, spelled every way a user may spell it. */
const generated: string[][] = commands.flatMap(([name, c]) => {
  const head = c.isDefault
    ? ['tensorflow']
    : [name, ...Object.keys(c.positionals).map((key) => (key === 'action' ? 'ls' : 'x'))];
  return Object.entries(c.options).flatMap(([key, d]) => {
    const aliases = [d.alias ?? []].flat();
    const value = d.choices ? String(d.choices[0]) : key === 'gpu' ? '2' : 'v a l';
    if (d.type === 'boolean')
      return [
        [...head, `--${key}`],
        [...head, `--no-${key}`],
        [...head, `--${key}=false`],
      ];
    const spellings = [
      [`--${key}`, value],
      [`--${key}=${value}`],
      ...aliases.map((a) => (a.length === 1 ? [`-${a}`, value] : [`--${a}`, value])),
    ];
    return [
      ...spellings.map((s) => [...head, ...s]),
      [...head, ...spellings[0]!, ...spellings[0]!],
      [...head, ...spellings[0]!, '--', 'cmd', `--${key}`],
    ];
  });
});

const VALID = [
  ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--driver', '580.159.04', '--', 'true'],
  [
    'submit',
    'pytorch',
    '-t',
    '04:00:00',
    '-A',
    'p1',
    '-c',
    '4',
    '-J',
    'my job',
    '--',
    'python',
    '-c',
    '1.50',
    '--json',
    '',
  ],
  ['-p', 'gengpu', 'tensorflow', '--gpu', '2'],
  ['nvcr.io/nvidia/pytorch:24.10-py3', '--json', '--log-level', 'debug'],
  ['tags', 'pytorch', '--driver', '525.105.17', '--json', '--explain'],
  ['detect', '-p', 'a', '-p', 'b', '--refresh'],
  ['detect', '--nvidia-smi-output', 'file.txt'],
  ['cache', 'prune', '--max-size', '500G', '--dry-run'],
  ['warm', '--once', '--dry-run'],
  ['login', 'nvcr.io', '-u', '$oauthtoken', '--password-stdin'],
  ['logout', '127.0.0.1:5000'],
  ['import', 'docker://x/y:1', '--via', 'client'],
  ['tensorflow', '--host', 'user@host:2222', '--accept-new-host-key'],
  ['tensorflow', '--', '--help'],
];

const DEFERRED = [
  ['--help'],
  ['tags', '--help'],
  ['tags', 'help'],
  [],
  ['tags'],
  ['tensorflow', 'extra'],
  ['tensorflow', '--frobnicate'],
  ['tensorflow', '--no-frobnicate'],
  ['tags', 'pytorch', '--dry-run'],
  ['cache', 'bad'],
  ['tensorflow', '--log-level', 'loud'],
  ['tensorflow', '--version'],
  ['tensorflow', '-x'],
];

/** Odd spellings: the fast reader may leave them to yargs, but when it answers, it answers as yargs does. */
const EDGE = [
  ['--json', 'tags', 'pytorch'],
  ['-p', 'gengpu', 'tags', 'pytorch'],
  ['--log-level=debug', 'detect'],
  ['--no-json', 'warm'],
  ['tensorflow', '--'],
  ['tensorflow', '--', '--', '-x'],
  ['tensorflow', '--time='],
  ['tensorflow', '--dry-run', 'true'],
  ['tensorflow', '--dry-run', 'false'],
  ['tensorflow', '--dry-run=yes'],
  ['tensorflow', '--json', '--json'],
  ['tensorflow', '--json', '--no-json'],
  ['tensorflow', '-J', '-x'],
  ['tensorflow', '-J', '--', 'x'],
  ['tensorflow', '-J'],
  ['tensorflow', '-pgengpu'],
  ['tensorflow', '-p=gengpu'],
  ['tensorflow', '-Jp', 'x'],
  ['tensorflow', '--jobName', 'x'],
  ['tensorflow', '--job_name', 'x'],
  ['tensorflow', '--cpus', '-1'],
  ['tensorflow', '-'],
  ['-', 'tensorflow'],
  ['tensorflow', '---json'],
  ['tensorflow', '--no-partition', 'x'],
  ['tensorflow', '--env', 'A=1', '--env', 'B=2', '--bind', '/a:/b', '--bind=/c'],
  ['detect', '-p', 'a', 'b'],
  ['detect', '-p', 'a', '--', 'b'],
  ['detect', '--partition=a', '--partition=b'],
  ['cache', 'ls', 'verify'],
  ['cache', 'ls', '--dry-run'],
  ['tags', 'pytorch', 'extra', '--json'],
  ['tensorflow', '--host', 'h', '--host=g'],
  ['tensorflow', '--policy', 'native', '--policy', 'bogus'],
  ['tensorflow', '--log-level', 'debug', '--', '--log-level', 'loud'],
  ['submit', 'tensorflow', '--tag=25.02-tf2-py3', '--force'],
  ['submit', '--', 'tensorflow'],
  ['tensorflow', 'submit'],
  ['tensorflow', '--tag', '23.01', 'true'],
  ['tensorflow', 'help'],
  ['tensorflow', '--h'],
  ['tensorflow', '-h'],
];

describe('fast argument parsing', () => {
  it('generates the spellings of every option of every command', () => {
    expect(commands.map(([name]) => name)).toEqual([
      'submit',
      'tags',
      'detect',
      'cache',
      'warm',
      'login',
      'import',
      'logout',
    ]);
    expect(generated.length).toBeGreaterThan(375);
  });

  it.each([...VALID, ...generated].map((a) => [a.join(' '), a]))(
    'parses %s exactly as yargs does',
    async (_label, argv) => {
      const { fast, slow } = await bothWays(argv);
      if (slow instanceof Error) expect(fast).toBeUndefined();
      else {
        expect(fast).toBeDefined();
        expect(fast).toEqual(slow);
      }
    },
  );

  it.each(EDGE.map((a) => [a.join(' '), a]))('reads %j as yargs does, or leaves it to yargs', async (_label, argv) => {
    const { fast, slow } = await bothWays(argv);
    if (fast !== undefined) expect(fast).toEqual(slow);
  });

  it('answers most of those odd spellings itself, so the comparison above is not empty', async () => {
    const answered = (await Promise.all(EDGE.map((argv) => bothWays(argv)))).filter(({ fast }) => fast !== undefined);
    expect(answered.length).toBeGreaterThan(EDGE.length / 4);
  });

  it('leaves everything to yargs under a parser configuration it does not reproduce', () => {
    const other = { ...CLI, configuration: { ...CLI.configuration, 'parse-numbers': true } };
    expect(fastParse(CLI, ['tensorflow', '--json'])).toBeDefined();
    expect(fastParse(other, ['tensorflow', '--json'])).toBeUndefined();
  });

  it.each(DEFERRED.map((a) => [a.join(' '), a]))('leaves %j to yargs', async (_label, argv) => {
    const { fast } = await bothWays(argv);
    expect(fast).toBeUndefined();
  });

  it('still makes unknown options, bad choices and missing positionals usage errors (exit 2), and --help help', async () => {
    for (const argv of [['tensorflow', '--frobnicate'], ['cache', 'bad'], ['tags'], ['tensorflow', 'extra']]) {
      await expect(parseCommand(argv)).rejects.toMatchObject({ exitCode: ExitCode.usage });
    }
    expect(await parseCommand(['--help'])).toMatchObject({
      name: 'help',
      text: expect.stringContaining('qsub-container [submit]'),
    });
  });
});
