// README.md's examples follow the convention the e2e runner reads (test/e2e/readme-examples.test.ts), checked without
// the testbed; and the reader itself, on small texts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchesShown, readmeExamples } from '../../support/readme-examples.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README.md examples', () => {
  const { examples, problems } = readmeExamples(README);

  it('follow the convention', () => {
    expect(problems).toEqual([]);
  });

  it('are there, each runnable one a qsub-container command, each skipped one with its reason', () => {
    expect(examples.filter((e) => e.skip === undefined).length).toBeGreaterThan(15);
    for (const e of examples.filter((e) => e.skip === undefined)) expect(e.command).toMatch(/^qsub-container /);
  });

  it('name only partitions the testbed has', () => {
    const partitions = examples
      .filter((e) => e.skip === undefined)
      .flatMap((e) => [...e.command.matchAll(/(?:^| )-p ([^ ]+)/g)].map((m) => m[1]));
    expect(
      partitions.filter((p) => !['short', 'gengpu', 'gpu-legacy', 'gpu-broken', 'gpu-mixed', 'gpu-multi'].includes(p!)),
    ).toEqual([]);
  });

  it('ask only for releases and tags the testbed registry holds (deploy/testbed/images.txt)', () => {
    const images = readFileSync(new URL('../../../deploy/testbed/images.txt', import.meta.url), 'utf8');
    const tags = images
      .split('\n')
      .flatMap((l) => (/^nvidia\/\S+ (\S+)/.exec(l) ? [/^nvidia\/\S+ (\S+)/.exec(l)![1]!] : []));
    for (const e of examples.filter((e) => e.skip === undefined)) {
      for (const m of e.command.matchAll(/--(release|tag) ([^ ]+)/g))
        expect(
          tags.some((t) => (m[1] === 'tag' ? t === m[2] : t.startsWith(`${m[2]}-`))),
          e.command,
        ).toBe(true);
    }
  });
});

describe('readmeExamples', () => {
  const md = (...lines: string[]) => lines.join('\n');

  it('reads commands, exit codes, shown output and reasons to skip', () => {
    const { examples, problems } = readmeExamples(
      md(
        'text',
        '```sh',
        '# a comment',
        '$ qsub-container tags x',
        'RELEASE  TAG',
        '#SBATCH --partition=gengpu',
        '',
        '$ qsub-container -p nosuch -- true    # exit 68',
        '# not run by the tests: needs a laptop',
        '$ qsub-container --host quest x',
        '```',
      ),
    );
    expect(problems).toEqual([]);
    expect(examples).toEqual([
      {
        line: 4,
        command: 'qsub-container tags x',
        exit: 0,
        output: ['RELEASE  TAG', '#SBATCH --partition=gengpu'],
        skip: undefined,
      },
      { line: 8, command: 'qsub-container -p nosuch -- true', exit: 68, output: [], skip: undefined },
      { line: 10, command: 'qsub-container --host quest x', exit: 0, output: [], skip: 'needs a laptop' },
    ]);
  });

  it('reads a marker above a block as the reason for each of its examples', () => {
    const { examples, problems } = readmeExamples(
      md(
        '<!-- not run by the tests: needs root -->',
        '```sh',
        '$ npm test',
        '$ npm run demo    # exit 3',
        '```',
        '',
        '```sh',
        '$ qsub-container tags x',
        '```',
      ),
    );
    expect(problems).toEqual([]);
    expect(examples.map((e) => [e.line, e.exit, e.skip])).toEqual([
      [3, 0, 'needs root'],
      [4, 3, 'needs root'],
      [8, 0, undefined],
    ]);
  });

  it.each([
    [md('<!-- not run by the tests: why -->', '', '```sh', '$ qsub-container x', '```'), 'not right above a block'],
    [md('<!-- not run by the tests: why -->', '```json', '{}', '```'), 'not sh'],
    [md('<!-- not run by the tests: why -->', '```sh', '# only a comment', '```'), 'followed by no example'],
    [md('<!-- not run by the tests: -->', '```sh', '$ qsub-container x', '```'), 'without a reason'],
    [md('text', '<!-- not run by the tests: why -->'), 'not right above a block'],
    [md('```text', '$ qsub-container x', '```'), 'outside a fenced sh block'],
    [md('```sh', 'qsub-container x', '```'), 'no "$ " command above it'],
    [md('```sh', '# not run by the tests:', '$ qsub-container x', '```'), 'without a reason'],
    [
      md('```sh', '# not run by the tests: why', '# another comment', '$ qsub-container x', '```'),
      'followed by no example',
    ],
    [md('```sh', '$ qsub-container x'), 'not closed'],
  ])('reports a broken convention: %j', (text, problem) => {
    expect(readmeExamples(text).problems.join('\n')).toContain(problem);
  });

  it.each([
    ['cache_dir=…', 'cache_dir=/srv/qsc-cache', true],
    ['IMAGE  TAGS  DIGEST', 'IMAGE            TAGS  DIGEST', true],
    ['qsub-container: job … COMPLETED, exit code 0', 'qsub-container: job 135 COMPLETED, exit code 0', true],
    ['qsub-container: job … COMPLETED, exit code 0', 'qsub-container: job 135 FAILED, exit code 1', false],
    ['#SBATCH --gres=gpu:1', '#SBATCH --gres=gpu:10', false],
    ['a (b) [c] $d', '  a (b) [c] $d ', true],
  ])('matches %j against %j: %s', (shown, actual, expected) => {
    expect(matchesShown(shown, actual)).toBe(expected);
  });
});
