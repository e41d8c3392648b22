// Ordinary mistakes on the real testbed, as the cluster user (issue 16): a missing or unreadable path, a flag without
// its value, a directory the user cannot write. Each is one line naming its path or value, with a hint, and a
// documented exit code that is not 70 ("internal error": a bug).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { qsc, queuedJobIds, REGISTRY, SHARED_CACHE, sh } from '../support/cluster.js';
import { NEIGHBOUR } from '../support/neighbour.js';
import { clientHome, removeTempDirs as removeSshTempDirs, startCli } from '../support/ssh.js';

// Root-owned, 0755: the cluster user can read it, not write in it.
const rootOnly = mkdtempSync('/tmp/qsc-e2e-mistakes-');
chmodSync(rootOnly, 0o755);
// A site config with one warm target, so warm --once has something to pull into its (unwritable) cache.
const siteConfig = join(rootOnly, 'site.json');
writeFileSync(
  siteConfig,
  JSON.stringify({ warm: { targets: [{ image: `${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3` }] } }),
);
chmodSync(siteConfig, 0o644);
// The shared cache from the site config (no personal config in the way): one the cluster user cannot write.
const siteCacheConfig = join(rootOnly, 'site-cache.json');
writeFileSync(siteCacheConfig, JSON.stringify({ registry: REGISTRY, cacheDir: rootOnly, gpuPartition: 'gengpu' }));
const emptyUserConfig = join(rootOnly, 'user.json');
writeFileSync(emptyUserConfig, '{}');
chmodSync(siteCacheConfig, 0o644);
chmodSync(emptyUserConfig, 0o644);
// A read-only mount (a bind mount remounted ro), writable by mode: only the file system says no.
const readOnly = join(rootOnly, 'ro');
mkdirSync(readOnly);
chmodSync(readOnly, 0o777);
sh('mount', ['--bind', readOnly, readOnly]);
sh('mount', ['-o', 'remount,bind,ro', readOnly]);
// In the shared cache, in its group, but not group-writable: the neighbour's own directory.
const neighbours = `${SHARED_CACHE}/test-mistakes-neighbour-${process.pid}-${Date.now()}`;
sh('install', ['-d', '-o', NEIGHBOUR, '-g', sh('stat', ['-c', '%G', SHARED_CACHE]).trim(), '-m', '2755', neighbours]);
// The same, group-writable (setgid, as a shared cache is made): the cluster user may pull there.
const groupWritable = `${neighbours}-g`;
sh('install', [
  '-d',
  '-o',
  NEIGHBOUR,
  '-g',
  sh('stat', ['-c', '%G', SHARED_CACHE]).trim(),
  '-m',
  '2775',
  groupWritable,
]);
afterAll(() => {
  execFileSync('umount', [readOnly]);
  rmSync(rootOnly, { recursive: true, force: true });
  rmSync(neighbours, { recursive: true, force: true });
  rmSync(groupWritable, { recursive: true, force: true });
  removeSshTempDirs();
});

/** Documented in README.md's exit code table, and not 70. */
const DOCUMENTED = [1, 2, 65, 66, 68, 69, 73, 75, 77, 78];

interface Row {
  readonly what: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly code: number;
  /** What the sentence must name: the path or the value. */
  readonly names: string;
  /** A real submission: the queue must be as it was (the refusal came before sbatch). */
  readonly submits?: true;
}

/** A real GPU submission (not a dry run) of a seeded image not cached in any of these directories. */
const GPU_JOB = ['--gpu', '1', '-p', 'gengpu', '--driver', '580.159.04', 'tensorflow', '-J', 'qsc-mistake'];

const ROWS: readonly Row[] = [
  {
    what: 'a missing --nvidia-smi-output',
    args: ['detect', '--nvidia-smi-output', '/nonexistent-smi.txt'],
    code: 66,
    names: '/nonexistent-smi.txt',
  },
  {
    what: 'a directory as --nvidia-smi-output',
    args: ['detect', '--nvidia-smi-output', '/tmp'],
    code: 66,
    names: '/tmp',
  },
  { what: '-p without a value', args: ['--gpu', 'tensorflow', '--dry-run', '-p'], code: 2, names: '-p' },
  { what: '-p right before --', args: ['--gpu', 'tensorflow', '-p', '--', 'true'], code: 2, names: '-p needs a value' },
  { what: '--mem right before --', args: ['--gpu', 'tensorflow', '--mem', '--', 'true'], code: 2, names: '--mem' },
  {
    what: 'cache verify of a directory it cannot read',
    args: ['cache', 'verify', '--cache-dir', '/root'],
    code: 77,
    names: '/root',
  },
  {
    what: 'cache ls of a missing directory',
    args: ['cache', 'ls', '--cache-dir', '/nonexistent'],
    code: 66,
    names: '/nonexistent',
  },
  {
    what: 'warm --once into a cache it cannot write',
    args: ['warm', '--once', '--cache-dir', rootOnly],
    env: { QSUB_CONTAINER_SITE_CONFIG: siteConfig },
    code: 77,
    names: rootOnly,
  },
  {
    what: 'a submission with an XDG_CACHE_HOME it cannot write',
    args: ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--', 'true'],
    env: { XDG_CACHE_HOME: rootOnly },
    code: 77,
    names: rootOnly,
  },
  {
    // Node's recursive mkdir spun here forever at full CPU, deaf to SIGTERM (src/state/make-dirs.ts).
    what: 'a submission with an XDG_CACHE_HOME that cannot exist (under /proc)',
    args: ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--', 'true'],
    env: { XDG_CACHE_HOME: '/proc/qsc-nope' },
    code: 66,
    names: '/proc/qsc-nope',
  },
  {
    what: 'a GPU job into a cache directory it cannot write (--cache-dir)',
    args: [...GPU_JOB, '--cache-dir', rootOnly, '--', 'true'],
    code: 77,
    names: `${rootOnly} (from --cache-dir)`,
    submits: true,
  },
  {
    what: '--pull local into a cache directory it cannot write',
    args: [...GPU_JOB, '--pull', 'local', '--cache-dir', rootOnly, '--', 'true'],
    code: 77,
    names: `${rootOnly} (from --cache-dir)`,
    submits: true,
  },
  {
    what: 'a GPU job into a cache directory that cannot exist',
    args: [...GPU_JOB, '--cache-dir', '/proc/qsc-nope/cache', '--', 'true'],
    code: 66,
    names: '/proc/qsc-nope/cache',
    submits: true,
  },
  {
    what: 'a GPU job into a cache directory on a read-only mount',
    args: [...GPU_JOB, '--cache-dir', readOnly, '--', 'true'],
    code: 73,
    names: readOnly,
    submits: true,
  },
  {
    what: "a GPU job into the neighbour's directory in the cache's group, not group-writable",
    args: [...GPU_JOB, '--cache-dir', neighbours, '--', 'true'],
    code: 77,
    names: neighbours,
    submits: true,
  },
  {
    what: "a GPU job into the site config's shared cache it cannot write",
    args: [...GPU_JOB, '--', 'true'],
    env: { QSUB_CONTAINER_SITE_CONFIG: siteCacheConfig, QSUB_CONTAINER_CONFIG: emptyUserConfig },
    code: 77,
    names: `${rootOnly} (from ${siteCacheConfig})`,
    submits: true,
  },
  {
    what: '-o in a directory that cannot be made',
    args: ['-p', 'short', '--driver', '580.159.04', 'tensorflow', '-o', '/proc/qsc-nope/x.out', '--', 'true'],
    code: 66,
    names: '/proc/qsc-nope (for -o /proc/qsc-nope/x.out)',
    submits: true,
  },
  {
    what: '-e in a directory the user may not make',
    args: ['-p', 'short', '--driver', '580.159.04', 'tensorflow', '-e', `${rootOnly}/logs/x.err`, '--', 'true'],
    code: 77,
    names: `${rootOnly}/logs (for -e ${rootOnly}/logs/x.err)`,
    submits: true,
  },
  {
    what: '-o with the job id in its directory part (known only when the job runs)',
    args: ['-p', 'short', '--driver', '580.159.04', 'tensorflow', '-o', 'logs/%j/out', '--', 'true'],
    code: 2,
    names: 'logs/%j/out',
    submits: true,
  },
  {
    what: 'import of a missing file',
    args: ['import', '/nonexistent.tar', '--as', `${REGISTRY}/nvidia/pytorch:23.10-py3`],
    code: 66,
    names: '/nonexistent.tar',
  },
];

describe('ordinary mistakes are not internal errors', () => {
  it.each(ROWS.map((row) => [row.what, row] as const))('%s', async (_what, row) => {
    const queued = queuedJobIds();
    const result = await qsc(row.args, row.env);
    if (row.submits) expect(queuedJobIds()).toEqual(queued);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    const [line] = lines as [string];
    expect(result.code, line).toBe(row.code);
    expect(DOCUMENTED).toContain(result.code);
    expect(line).toMatch(/^qsub-container: [^\n]+\. Hint: \S/);
    expect(line).not.toMatch(/internal error|this is a bug|\n\s+at /);
    expect(line).toContain(row.names);
  });
});

describe('the image cache is checked where the job runs, before anything is queued', () => {
  it('over --host: the cluster side refuses a cache directory its user cannot write, in the same call', async () => {
    const { home } = clientHome();
    const queued = queuedJobIds();
    const run = startCli([...GPU_JOB, '--cache-dir', neighbours, '--host', 'cluster', '--', 'true'], home);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(77);
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^qsub-container: the image cache ${neighbours} \\(from --cache-dir\\) cannot be written: permission denied.*Hint: `,
      ),
    );
    expect(queuedJobIds()).toEqual(queued);
  });

  it('a setgid directory of the cache group, group-writable: the cluster user may pull there, and the check leaves nothing', async () => {
    const result = await qsc([
      ...GPU_JOB,
      '--cache-dir',
      groupWritable,
      '-o',
      `${groupWritable}/out-%j.out`,
      '--',
      'true',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const jobId = result.stdout.trim();
    sh('scancel', [jobId]);
    expect(sh('ls', ['-A', groupWritable])).not.toContain('.qsc-write-check');
  });
});

describe('-o logs/%x-%j.out without logs/: made before sbatch, where the job writes, and --wait reads the file', () => {
  const job = ['-p', 'short', '--driver', '580.159.04', '--cache-dir', SHARED_CACHE, 'tensorflow', '-J', 'qsc-logs'];

  it('here, relative to --chdir', async () => {
    const workDir = sh('runuser', ['-u', 'hpcuser', '--', 'mktemp', '-d', '/tmp/qsc-e2e-chdir-XXXXXX']).trim();
    try {
      const result = await qsc([
        ...job,
        `--sbatch-arg=--chdir=${workDir}`,
        '-o',
        'logs/%u/%x-%j.out',
        '--wait',
        '--',
        'echo',
        'from-the-job',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const jobId = result.stdout.split('\n')[0]!;
      expect(result.stdout).toContain('from-the-job');
      expect(sh('cat', [`${workDir}/logs/hpcuser/qsc-logs-${jobId}.out`])).toContain('from-the-job');
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('over --host, in the remote working directory (the login home)', async () => {
    const logs = `qsc-e2e-logs-${process.pid}-${Date.now()}`;
    const { home } = clientHome();
    try {
      const run = startCli(
        [...job, '--host', 'cluster', '-o', `${logs}/%x-%j.out`, '--wait', '--', 'echo', 'from-the-job'],
        home,
      );
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      const jobId = result.stdout.split('\n')[0]!;
      expect(result.stdout).toContain('from-the-job');
      expect(sh('cat', [`/home/hpcuser/${logs}/qsc-logs-${jobId}.out`])).toContain('from-the-job');
    } finally {
      rmSync(`/home/hpcuser/${logs}`, { recursive: true, force: true });
    }
  });
});
