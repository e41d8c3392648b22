// Words that mislead (issue 16), through the installed CLI as the cluster user: each command, the exact line it now
// prints and its exit code (test/unit/cli/words.test.ts holds the rest of the table, by the same sentences).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { qsc } from '../support/cluster.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const REFUSALS: readonly (readonly [args: string[], env: Record<string, string>, line: string, code: number])[] = [
  [
    ['--gpu', 'two', 'tensorflow'],
    {},
    'qsub-container: --gpu takes a number of GPUs per node: "two" is not a whole number. Hint: e.g. --gpu 2 tensorflow (a bare --gpu means 1)',
    2,
  ],
  [
    ['detect', '-p', 'short'],
    {},
    "qsub-container: partition short has no GPUs (its nodes have no gpu GRES). Hint: pick a GPU partition (sinfo -o '%P %G' shows which have gpu)",
    66,
  ],
  [
    ['--gpu', 'tensorflow', '-p', 'short', '--', 'true'],
    {},
    "qsub-container: partition short has no GPUs (its nodes have no gpu GRES). Hint: pick a GPU partition (sinfo -o '%P %G' shows which have gpu), or drop --gpu for a CPU job",
    66,
  ],
  [
    ['import', '--host', '127.0.0.1:2222', 'x.tar', '--as', 'nvcr.io/nvidia/pytorch:24.10-py3'],
    {},
    "qsub-container: import takes no --host: it works on the cache's files, so it runs on the cluster. Hint: run it there: ssh -p 2222 127.0.0.1 'qsub-container import x.tar --as nvcr.io/nvidia/pytorch:24.10-py3'",
    2,
  ],
  [
    ['cache', 'ls', '--cache-dir', '/nonexistent'],
    {},
    'qsub-container: cache directory /nonexistent does not exist. Hint: check --cache-dir, QSUB_CONTAINER_CACHE_DIR or the config\'s "cacheDir"; the first pull into a new cache (submit, warm --once) makes it',
    66,
  ],
  [
    ['tags', 'pytorch', '--offline'],
    { QSUB_CONTAINER_SITE_CONFIG: '/etc/qsub-container/nosuch.json' },
    'qsub-container: config file /etc/qsub-container/nosuch.json does not exist (QSUB_CONTAINER_SITE_CONFIG in your environment names it). Hint: create it, or unset QSUB_CONTAINER_SITE_CONFIG to read /etc/qsub-container/config.json',
    66,
  ],
];

describe('words that mislead, on the testbed', () => {
  it.each(REFUSALS)('%j', async (args, env, line, code) => {
    const result = await qsc(args, env);
    expect(result.stderr.trim().split('\n')).toEqual([line]);
    expect(result.code).toBe(code);
  });

  it('help [COMMAND] shows help and --version the package version, exit 0', async () => {
    const help = await qsc(['help', 'tags']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('qsub-container tags <framework>');
    const shown = await qsc(['--version']);
    expect(shown).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    for (const command of ['warm', 'cache', 'import']) {
      const text = (await qsc([command, '--help'])).stdout;
      expect(text).not.toContain('--host');
    }
  });
});
