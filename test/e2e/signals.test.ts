// SIGINT, SIGTERM and SIGHUP at each phase of submit and detect (the driver probe waiting for a busy node, a registry
// that does not answer, the pull before submitting, following the job with --wait), here and over --host with both SSH
// clients: the tool exits at once with 128+N, and no process, Slurm job or step it started is left behind.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushRandomImage } from '../support/big-image.js';
import { occupyPartition, type Occupation } from '../support/busy.js';
import { CLUSTER_USER, freshCacheDir, queuedJobIds, REGISTRY, sh } from '../support/cluster.js';
import { clientHome, removeTempDirs as removeSshTempDirs, startCli } from '../support/ssh.js';
import { cliPid, ownRepository, removeTempDirs, startAsUser, waitFor } from '../support/warm.js';

type Side = 'local' | 'ssh2' | 'openssh';
type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const CODE: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const SIDES: readonly Side[] = ['local', 'ssh2', 'openssh'];
/** "At once" on a loaded 2-core machine: the runs measured here end in well under a second. */
const FAST_MS = 5_000;

interface Started {
  readonly pid: () => number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

let laptop: ReturnType<typeof clientHome>;
beforeAll(() => {
  laptop = clientHome();
});
afterAll(() => {
  removeTempDirs();
  removeSshTempDirs();
});

/** The CLI here as the cluster user, or on a laptop (root, its own HOME) with --host over either SSH client. */
function start(side: Side, args: readonly string[], env: Record<string, string> = {}): Started {
  if (side === 'local') {
    const run = startAsUser(args, env);
    return { pid: () => cliPid(run.child.pid!), output: run.output, exited: run.exited };
  }
  const sshEnv: Record<string, string> =
    // OpenSSH reads the invoking user's real ~/.ssh, not $HOME's: point it at the laptop's config and known hosts.
    side === 'openssh'
      ? {
          QSUB_CONTAINER_SSH_COMMAND: `ssh -F ${laptop.home}/.ssh/config -o UserKnownHostsFile=${laptop.knownHosts}`,
        }
      : {};
  // Before the job's command: after `--` they would be the job's arguments, and the run a local one (as root).
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const remoteArgs = [...args.slice(0, end), '--host', 'cluster', '--ssh-client', side, ...args.slice(end)];
  const run = startCli(remoteArgs, laptop.home, { ...sshEnv, ...env });
  let text = '';
  const child: ChildProcess = run.child;
  child.stdout!.on('data', (b: Buffer) => (text += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString('utf8')));
  return { pid: () => child.pid!, output: () => text, exited: run.done.then((r) => r.code) };
}

/** Every process below `pid` (children, their children...). */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}
const alive = (pids: readonly number[]) => pids.filter((p) => existsSync(`/proc/${p}`));
/** Processes of the cluster user whose command line mentions `text` (an srun of a probe job, a pull into a cache). */
const userProcesses = (text: string) => {
  try {
    return execFileSync('pgrep', ['-u', CLUSTER_USER, '-a', '-f', text], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
};
const squeueNames = () => sh('squeue', ['-h', '-u', CLUSTER_USER, '-o', '%j']).split('\n').filter(Boolean);

/** Signal the run once `ready` holds; its exit code, how long it took to exit, what it printed, what it had started. */
async function interrupt(run: Started, signal: Signal, what: string, ready: () => boolean) {
  let ended = false;
  void run.exited.then(() => (ended = true));
  await waitFor(what, () => ended || ready(), 30_000);
  if (ended) throw new Error(`the run ended before ${what}: ${run.output()}`);
  const pid = run.pid();
  const started = descendants(pid);
  const sent = Date.now();
  process.kill(pid, signal);
  const code = await run.exited;
  const ms = Date.now() - sent;
  return { code, ms, output: run.output(), started };
}

describe('a probe waiting for a busy partition', () => {
  let occupation: Occupation | undefined;
  beforeAll(async () => {
    // All CPUs too: with a site driver map the probe is a CPU-only step, which starts beside jobs holding only GPUs.
    occupation = await occupyPartition('gengpu', { cpus: true });
  }, 120_000);
  afterAll(async () => occupation?.release(), 120_000);

  const probeJobs = () => squeueNames().filter((n) => /^qsub-container-(cpu-)?probe-/.test(n));

  describe.each(SIDES)('%s', (side) => {
    it.each(
      SIGNALS.flatMap((signal) => [
        [signal, 'detect'],
        [signal, 'submit'],
      ]),
    )('%s during the probe of %s: exit 128+N at once, the probe job and its srun are gone', async (signal, command) => {
      const name = `qsc-sig-${process.pid}-${Date.now()}`;
      const args =
        command === 'detect'
          ? ['detect', '-p', 'gengpu', '--refresh']
          : ['--gpu', 'tensorflow', '-p', 'gengpu', '--refresh', '-J', name, '--', 'true'];
      expect(probeJobs()).toEqual([]);
      const run = start(side, args);
      const result = await interrupt(run, signal, 'the probe job to be queued', () => probeJobs().length > 0);
      expect(result.code, result.output).toBe(CODE[signal]);
      expect(result.ms, result.output).toBeLessThan(FAST_MS);
      expect(result.output).toContain(`qsub-container: stopped by ${signal}; nothing it started is left running.`);
      expect(result.output).not.toMatch(/\n\s+at |internal error/);
      expect(alive(result.started)).toEqual([]);
      await waitFor('the probe job to leave the queue', () => probeJobs().length === 0, 10_000);
      expect(userProcesses('qsub-container-probe-')).toEqual([]);
      expect(userProcesses('qsub-container-cpu-probe-')).toEqual([]);
      expect(queuedJobIds(name)).toEqual([]);
    });
  });
});

describe('a registry that does not answer', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts and never answers: the tool is waiting on the registry when the signal comes.
    server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  describe.each(SIDES)('%s', (side) => {
    it.each(SIGNALS)('%s while the registry is asked: exit 128+N at once, nothing submitted', async (signal) => {
      const name = `qsc-sig-${process.pid}-${Date.now()}`;
      const before = sockets.length;
      const run = start(side, [
        '--gpu',
        'tensorflow',
        '-p',
        'gengpu',
        '--registry',
        `127.0.0.1:${port}`,
        '--driver',
        '580.159.04',
        '-J',
        name,
        '--',
        'true',
      ]);
      const result = await interrupt(run, signal, 'a registry request', () => sockets.length > before);
      expect(result.code, result.output).toBe(CODE[signal]);
      expect(result.ms, result.output).toBeLessThan(FAST_MS);
      expect(result.output).toContain(`stopped by ${signal}`);
      expect(alive(result.started)).toEqual([]);
      expect(queuedJobIds(name)).toEqual([]);
    });
  });
});

describe('a pull before submitting (--pull local)', () => {
  let repository: string;
  beforeAll(() => {
    // 200 MiB of random bytes: Apptainer is still pulling it when the signal comes.
    repository = ownRepository('sigpull');
    pushRandomImage(repository, '25.02-tf2-py3', 200, [
      'CUDA_VERSION=12.8.0.038',
      'CUDA_DRIVER_VERSION=570.86.10',
      `QSC_TEST=${repository}`,
    ]);
  }, 300_000);

  const leftovers = (dir: string) =>
    readdirSync(dir).filter((f) => f.includes('.partial') || f.endsWith('.lockd') || f.endsWith('.sif'));

  describe.each(SIDES)('%s', (side) => {
    it.each(SIGNALS)('%s mid-pull: exit 128+N at once, Apptainer stopped, no partial file', async (signal) => {
      const name = `qsc-sig-${process.pid}-${Date.now()}`;
      const cacheDir = freshCacheDir('sigpull');
      const run = start(side, [
        '--gpu',
        `${REGISTRY}/${repository}:25.02-tf2-py3`,
        '-p',
        'gengpu',
        '--driver',
        '580.159.04',
        '--pull',
        'local',
        '--cache-dir',
        cacheDir,
        '-J',
        name,
        // Should a run get as far as sbatch, its output lands in the directory removed below, not in the test's cwd.
        '-o',
        `${cacheDir}/slurm-%j.out`,
        '--',
        'true',
      ]);
      const result = await interrupt(run, signal, 'Apptainer to pull', () =>
        userProcesses(cacheDir).some((line) => /apptainer|singularity/.test(line)),
      );
      expect(result.code, result.output).toBe(CODE[signal]);
      expect(result.ms, result.output).toBeLessThan(FAST_MS);
      expect(alive(result.started)).toEqual([]);
      await waitFor('the pull to be gone', () => userProcesses(cacheDir).length === 0, 10_000);
      await waitFor('the trap to clean up', () => leftovers(cacheDir).length === 0, 10_000);
      expect(queuedJobIds(name)).toEqual([]);
      sh('rm', ['-rf', cacheDir]);
    });
  });
});

describe('following a job (--wait)', () => {
  describe.each(SIDES)('%s', (side) => {
    it.each(SIGNALS)('%s: exit 128+N at once, the job keeps running and the scancel is named', async (signal) => {
      const name = `qsc-sig-${process.pid}-${Date.now()}`;
      const run = start(side, [
        '--gpu',
        'tensorflow',
        '-p',
        'gengpu',
        '--driver',
        '580.159.04',
        '-t',
        '00:05:00',
        '--wait',
        '-J',
        name,
        '--',
        'sleep',
        '300',
      ]);
      try {
        const result = await interrupt(run, signal, 'the job to run', () => /job \d+ RUNNING/.test(run.output()));
        const jobId = /job (\d+) RUNNING/.exec(result.output)![1]!;
        expect(result.code, result.output).toBe(CODE[signal]);
        expect(result.ms, result.output).toBeLessThan(FAST_MS);
        expect(result.output).toContain(`stopped following job ${jobId}; the job keeps running`);
        expect(result.output).toMatch(new RegExp(`scancel ${jobId}`));
        expect(alive(result.started)).toEqual([]);
        // Over --host the polling runs on the cluster side: nothing there still asks about the job either.
        await waitFor('the polling to be gone', () => userProcesses(`job -o ${jobId}`).length === 0, 10_000);
        expect(queuedJobIds(name)).toEqual([jobId]);
      } finally {
        const ids = queuedJobIds(name);
        if (ids.length > 0) sh('scancel', ids);
      }
    });
  });
});
