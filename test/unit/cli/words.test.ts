// Words that mislead (issue 16), one row each: the command or call, the exact line the user now reads, its exit code.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectionRequest } from '../../../src/app/selection.js';
import { submit } from '../../../src/app/submit.js';
import { asksForVersion, helpWordAsFlag, parseCommand } from '../../../src/cli/build-cli.js';
import { cacheCommand } from '../../../src/cli/commands/cache.js';
import { submitCommand } from '../../../src/cli/commands/submit.js';
import { withSubmitWays } from '../../../src/cli/dispatch.js';
import { inFlagWords } from '../../../src/cli/flag-words.js';
import { readVersion } from '../../../src/cli/version.js';
import { loadSettings } from '../../../src/config/load.js';
import { exitCodeFor, formatErrorLine } from '../../../src/errors.js';
import { checkPartition } from '../../../src/gpu/probe.js';
import { findFramework } from '../../../src/ngc/frameworks.js';
import { interpretSbatch } from '../../../src/slurm/sbatch.js';
import { resolveStatePaths } from '../../../src/state/paths.js';
import { sshCommandFor } from '../../../src/transport/host-arg.js';
import { RECORDED_CACHE, testDeps, testSettings } from '../../support/app-deps.js';
import { recorded } from '../../support/fake-runner.js';

/** The line main.ts prints for what `run` throws, and the exit code. */
async function said(run: () => Promise<unknown>): Promise<{ line: string; code: number }> {
  try {
    await run();
  } catch (error) {
    const worded = inFlagWords(error);
    return { line: formatErrorLine(worded), code: exitCodeFor(worded) };
  }
  throw new Error('nothing was refused');
}

const parse = (argv: string[]) => () => parseCommand(argv);
const home = () => mkdtempSync(join(tmpdir(), 'qsc-words-'));
const noIo = {
  out: () => {},
  note: () => {},
  readFile: () => Promise.reject(new Error('none')),
  readSecret: () => Promise.resolve(''),
};

/** A submission as the command line makes it, for a user whose config sets gpuPartition (the testbed user's). */
async function submitWithGpuPartition(argv: string[]): Promise<unknown> {
  const command = await parseCommand(argv);
  if (command.name !== 'submit') throw new Error(command.name);
  const dir = home();
  mkdirSync(join(dir, '.config/qsub-container'), { recursive: true });
  writeFileSync(join(dir, '.config/qsub-container/config.json'), JSON.stringify({ gpuPartition: 'gengpu' }));
  return submitCommand(command.args, testDeps([], { home: dir }), noIo);
}

const CASES: readonly (readonly [what: string, run: () => Promise<unknown>, line: string, code: number])[] = [
  [
    '--gpu two tensorflow',
    parse(['--gpu', 'two', 'tensorflow']),
    'qsub-container: --gpu takes a number of GPUs per node: "two" is not a whole number. Hint: e.g. --gpu 2 tensorflow (a bare --gpu means 1)',
    2,
  ],
  [
    'tensorflow -p -- true (a value-taking flag right before --)',
    parse(['tensorflow', '-p', '--', 'true']),
    'qsub-container: -p needs a value: Slurm partition. Hint: write it right after -p, before --, or leave -p out',
    2,
  ],
  [
    '--gpu tensorflow --dry-run -t (a value-taking flag last)',
    parse(['--gpu', 'tensorflow', '--dry-run', '-t']),
    'qsub-container: -t needs a value: time limit, e.g. 04:00:00. Hint: write it right after -t, or leave -t out',
    2,
  ],
  [
    'tags pytorch --driver -- x',
    parse(['tags', 'pytorch', '--driver', '--', 'x']),
    'qsub-container: --driver needs a value: driver version (else probed on -p PARTITION). Hint: write it right after --driver, before --, or leave --driver out',
    2,
  ],
  [
    'warm --host 127.0.0.1:2222 --once',
    parse(['warm', '--host', '127.0.0.1:2222', '--once']),
    "qsub-container: warm takes no --host: it works on the cache's files, so it runs on the cluster. Hint: run it there: ssh -p 2222 127.0.0.1 'qsub-container warm --once'",
    2,
  ],
  [
    'import --host=hpcuser@127.0.0.1:2222 a.tar',
    parse(['import', '--host=hpcuser@127.0.0.1:2222', 'a.tar', '--as', 'x/y:1']),
    "qsub-container: import takes no --host: it works on the cache's files, so it runs on the cluster. Hint: run it there: ssh -p 2222 hpcuser@127.0.0.1 'qsub-container import a.tar --as x/y:1'",
    2,
  ],
  [
    'cache ls --host quest',
    parse(['cache', 'ls', '--host', 'quest']),
    "qsub-container: cache takes no --host: it works on the cache's files, so it runs on the cluster. Hint: run it there: ssh quest 'qsub-container cache ls'",
    2,
  ],
  [
    'detect -p short',
    () => checkPartition(testDeps([recorded('sinfo-partition-short')]).runner, { partition: 'short' }),
    "qsub-container: partition short has no GPUs (its nodes have no gpu GRES). Hint: pick a GPU partition (sinfo -o '%P %G' shows which have gpu)",
    66,
  ],
  [
    '--gpu tensorflow -p short (submit alone says drop --gpu)',
    () =>
      checkPartition(testDeps([recorded('sinfo-partition-short')]).runner, { partition: 'short' }).catch(
        withSubmitWays,
      ),
    "qsub-container: partition short has no GPUs (its nodes have no gpu GRES). Hint: pick a GPU partition (sinfo -o '%P %G' shows which have gpu), or drop --gpu for a CPU job",
    66,
  ],
  [
    '--gpu tensorflow --tag 25.02-tf2-py3 on driver 525.105.17',
    () => {
      const settings = testSettings({ cacheDir: RECORDED_CACHE });
      const none = { policy: undefined, release: undefined, cuda: undefined, variant: undefined, python: undefined };
      return submit(testDeps([]), {
        settings,
        target: { kind: 'framework', framework: findFramework('tensorflow')! },
        tag: '25.02-tf2-py3',
        force: false,
        selection: selectionRequest(none, settings),
        partition: 'gengpu',
        gpus: 1,
        gpuType: undefined,
        constraint: undefined,
        driver: '525.105.17',
        refresh: false,
        pullMode: 'job',
        job: { jobName: undefined, mem: undefined, cpus: undefined, output: undefined, command: ['true'] },
        dryRun: true,
      });
    },
    "qsub-container: 127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3 cannot run on driver 525.105.17: it needs driver ≥ 570.86.10 (image's CUDA_DRIVER_VERSION); driver 525.105.17 is older than that. Hint: pick an older tag (qsub-container tags tensorflow --driver 525.105.17 lists them), a partition with a newer driver, or --force to submit anyway",
    1,
  ],
  [
    '--gpu tensorflow --tag 26.07-py3 (no such tag of tensorflow)',
    () => {
      const settings = testSettings({ cacheDir: RECORDED_CACHE });
      const none = { policy: undefined, release: undefined, cuda: undefined, variant: undefined, python: undefined };
      return submit(testDeps([]), {
        settings,
        target: { kind: 'framework', framework: findFramework('tensorflow')! },
        tag: '26.07-py3',
        force: false,
        selection: selectionRequest(none, settings),
        partition: 'gengpu',
        gpus: 1,
        gpuType: undefined,
        constraint: undefined,
        driver: '580.159.04',
        refresh: false,
        pullMode: 'job',
        job: { jobName: undefined, mem: undefined, cpus: undefined, output: undefined, command: ['true'] },
        dryRun: true,
      });
    },
    'qsub-container: image nvidia/tensorflow:26.07-py3 not found on 127.0.0.1:5000. Hint: list the tensorflow tags there with: qsub-container tags tensorflow --registry 127.0.0.1:5000',
    1,
  ],
  [
    'an sbatch refusal without a known cause',
    () => {
      const answer = interpretSbatch({
        code: 1,
        stdout: '',
        timedOut: false,
        stderr: 'sbatch: error: Batch job submission failed: Invalid qos specification\n',
      });
      return Promise.reject('error' in answer ? answer.error : new Error('accepted'));
    },
    'qsub-container: sbatch refused the job: sbatch: error: Batch job submission failed: Invalid qos specification. Hint: sbatch gave its reason after "refused the job:"; fix what it names and submit again',
    1,
  ],
  [
    'QSUB_CONTAINER_SITE_CONFIG=/nonexistent/site.json (any command)',
    () => {
      const env = { QSUB_CONTAINER_SITE_CONFIG: '/nonexistent/site.json' };
      return loadSettings(resolveStatePaths(env, home()), env, {});
    },
    'qsub-container: config file /nonexistent/site.json does not exist (QSUB_CONTAINER_SITE_CONFIG in your environment names it). Hint: create it, or unset QSUB_CONTAINER_SITE_CONFIG to read /etc/qsub-container/config.json',
    66,
  ],
  [
    'QSUB_CONTAINER_CONFIG=/nonexistent/user.json (any command)',
    () => {
      const env = { QSUB_CONTAINER_CONFIG: '/nonexistent/user.json' };
      return loadSettings(resolveStatePaths(env, home()), env, {});
    },
    'qsub-container: config file /nonexistent/user.json does not exist (QSUB_CONTAINER_CONFIG in your environment names it). Hint: create it, or unset QSUB_CONTAINER_CONFIG to read $XDG_CONFIG_HOME/qsub-container/config.json',
    66,
  ],
  [
    'tensorflow without --gpu, gpuPartition set',
    () => submitWithGpuPartition(['tensorflow', '--dry-run', '--', 'true']),
    'qsub-container: tensorflow without --gpu would run without a GPU on Slurm\'s default partition, not on "gpuPartition" gengpu. Hint: add --gpu (qsub-container --gpu tensorflow -- COMMAND); for a CPU job, name its partition with -p',
    2,
  ],
  [
    'cache ls --cache-dir /nonexistent',
    async () => {
      const command = await parseCommand(['cache', 'ls', '--cache-dir', '/nonexistent']);
      if (command.name !== 'cache') throw new Error(command.name);
      return cacheCommand(command.args, testDeps([]), noIo);
    },
    'qsub-container: cache directory /nonexistent does not exist. Hint: check --cache-dir, QSUB_CONTAINER_CACHE_DIR or the config\'s "cacheDir"; the first pull into a new cache (submit, warm --once) makes it',
    66,
  ],
];

describe('words that mislead, in words that do not', () => {
  it.each(CASES)('%s', async (_what, run, line, code) => {
    expect(await said(run)).toEqual({ line, code });
  });
});

describe('help, --version and ssh spellings', () => {
  it.each([
    [['help'], 'qsub-container [submit] <framework|image-ref> [options] [-- command args...]'],
    [['help', 'tags'], 'qsub-container tags <framework>'],
    [['help', 'warm'], 'qsub-container warm'],
    [['help', 'nosuch'], 'qsub-container [submit] <framework|image-ref> [options] [-- command args...]'],
  ])('%j shows help', async (argv, usage) => {
    const parsed = await parseCommand(helpWordAsFlag(argv));
    expect(parsed.name === 'help' && parsed.text.split('\n')[0]).toBe(usage);
  });

  it('answers --version from package.json, and leaves the job command its own --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await readVersion()).toBe(version);
    expect(asksForVersion(['--version'])).toBe(true);
    expect(asksForVersion(['tags', 'pytorch', '--version'])).toBe(true);
    expect(asksForVersion(['tensorflow', '--', 'python', '--version'])).toBe(false);
  });

  it('offers no --host where it is refused', async () => {
    for (const command of ['warm', 'cache', 'import']) {
      const parsed = await parseCommand([command, '--help']);
      expect(parsed.name === 'help' && parsed.text).not.toMatch(/--host|--ssh-client|--accept-new-host-key/);
    }
    const submit = await parseCommand(['submit', '--help']);
    expect(submit.name === 'help' && submit.text).toMatch(/--host/);
    const top = await parseCommand(['--help']);
    expect(top.name === 'help' && top.text).toMatch(/--version +print qsub-container's version and exit/);
  });

  it.each([
    ['127.0.0.1:2222', 'ssh -p 2222 127.0.0.1'],
    ['hpcuser@127.0.0.1:2222', 'ssh -p 2222 hpcuser@127.0.0.1'],
    ['[::1]:2222', 'ssh -p 2222 ::1'],
    ['quest', 'ssh quest'],
    ['me@login.example.org', 'ssh me@login.example.org'],
  ])('spells --host %s as %s', (host, ssh) => {
    expect(sshCommandFor(host)).toBe(ssh);
  });
});
