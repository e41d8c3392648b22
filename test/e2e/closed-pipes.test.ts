// A reader that goes away (`| head -1`) on stdout or on stderr: every command ends at once and quietly, exit 141 (what
// a shell shows for a Unix tool killed by SIGPIPE) or its own code when its output was all written first; never a stack,
// never a hang, also with --log-level debug filling stderr (pino writing to the closed pipe). Each case runs 20 times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freshCacheDir, runAsUser, sh } from '../support/cluster.js';

const RUNS = 20;
/** At a time: the machine has 2 cores shared with others, and each run starts a node process. */
const AT_ONCE = 4;
/** "At once" on a loaded 2-core machine: a normal run of the slowest of these takes ~0.3 s. */
const FAST_MS = 5_000;

let cacheDir: string;
beforeAll(() => {
  cacheDir = freshCacheDir('pipes');
});
afterAll(() => {
  sh('rm', ['-rf', cacheDir]);
});

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

// Every command, on paths that write more than a line to the stream under test, with the code it ends with when its
// reader stays (an error's one line may be written whole before the reader leaves: then that code is right too).
const COMMANDS: ReadonlyArray<readonly [string, () => string[], number]> = [
  ['submit --dry-run', () => ['--gpu', 'tensorflow', '--dry-run', '--driver', '580.159.04', '--', 'true'], 0],
  [
    'submit --dry-run --json',
    () => ['--gpu', 'pytorch', '--dry-run', '--json', '--driver', '580.159.04', '--', 'true'],
    0,
  ],
  ['tags --offline', () => ['tags', 'pytorch', '--offline'], 0],
  ['tags (registry)', () => ['tags', 'tensorflow', '--driver', '580.159.04', '--explain'], 0],
  ['detect', () => ['detect', '-p', 'gengpu', '-p', 'gpu-legacy'], 0],
  ['cache ls', () => ['cache', 'ls', '--cache-dir', cacheDir], 0],
  ['cache verify', () => ['cache', 'verify', '--cache-dir', cacheDir, '--json'], 0],
  ['cache prune', () => ['cache', 'prune', '--dry-run', '--max-size', '1T', '--cache-dir', cacheDir], 0],
  ['warm --dry-run (no targets: 78)', () => ['warm', '--dry-run', '--cache-dir', cacheDir, '--json'], 78],
  ['--help', () => ['--help'], 0],
  ['tags --help', () => ['tags', '--help'], 0],
  ['a usage error', () => ['--gpu', 'nosuchframework', '--', 'true'], 2],
  [
    'import of a missing file',
    () => ['import', '/nonexistent.tar', '--as', '127.0.0.1:5000/nvidia/pytorch:23.10-py3'],
    66,
  ],
  ['login without a password', () => ['login', '127.0.0.1:5000', '-u', 'qsc', '--password-stdin'], 2],
];

const STREAMS = {
  // The reader of stdout takes one line and leaves.
  stdout: (command: string) => `${command} | head -n 1 >/dev/null`,
  // The reader of stderr (debug log lines) takes one line and leaves; stdout is kept.
  stderr: (command: string) => `${command} --log-level debug 2>&1 >/dev/null | head -n 1 >/dev/null`,
} as const;

async function inBatches<T>(count: number, size: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  while (results.length < count)
    results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - results.length) }, run))));
  return results;
}

describe('a closed pipe ends the tool at once and quietly', () => {
  describe.each(Object.keys(STREAMS) as (keyof typeof STREAMS)[])('closed %s', (stream) => {
    it.each(COMMANDS)(
      '%s',
      async (_label, args, ownCode) => {
        const command = [CLI, ...args()].map(quote).join(' ');
        // pipefail: the pipeline's status is the tool's, not head's. `time` in ms around the tool alone.
        const script = `start=$(date +%s%N); ${STREAMS[stream](command)}; code=$?; echo "$code $(( ($(date +%s%N) - start) / 1000000 ))" >&3`;
        const runs = await inBatches(RUNS, AT_ONCE, async () => {
          const result = await runAsUser(['bash', '-o', 'pipefail', '-c', `exec 3>&2; ${script}`], {}, '');
          const [code, ms] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
          return { code, ms, stderr: result.stderr, stdout: result.stdout };
        });
        for (const run of runs) {
          expect([ownCode, 141], run.stderr).toContain(run.code);
          expect(run.ms, run.stderr).toBeLessThan(FAST_MS);
          expect(run.stderr + run.stdout).not.toMatch(/Unhandled 'error' event|EPIPE|\n\s+at |internal error/);
        }
      },
      RUNS * FAST_MS,
    );
  });
});
