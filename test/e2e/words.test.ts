// Words that mislead (issue 16), through the installed CLI as the cluster user: each command, the exact line it now
// prints and its exit code (test/unit/cli/words.test.ts holds the rest of the table, by the same sentences).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobFields, qsc, REGISTRY, sh, SHARED_CACHE } from '../support/cluster.js';
import { NEIGHBOUR, NEIGHBOUR_KEY } from '../support/neighbour.js';
import { clientHome, remoteQsc, removeTempDirs, SSH_PORT } from '../support/ssh.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// The cluster user's config without "gpuPartition" (QSUB_CONTAINER_CONFIG names it): where a GPU job without -p goes.
const configDir = mkdtempSync('/tmp/qsc-e2e-words-');
chmodSync(configDir, 0o755);
const WITHOUT_GPU_PARTITION = join(configDir, 'config.json');
writeFileSync(WITHOUT_GPU_PARTITION, JSON.stringify({ registry: REGISTRY, cacheDir: SHARED_CACHE }));
chmodSync(WITHOUT_GPU_PARTITION, 0o644);
afterAll(() => {
  rmSync(configDir, { recursive: true, force: true });
  removeTempDirs();
});

/** A GPU job without -p or "gpuPartition": the testbed's default partition, short, has no GPUs. */
const NO_GPU_ON_DEFAULT =
  'qsub-container: --gpu without -p: no "gpuPartition" is configured, and Slurm\'s default partition short has no GPUs. Hint: partitions with GPUs: gengpu, gpu-legacy, gpu-broken, gpu-mixed, gpu-multi; pass -p gengpu, or set it once: {"gpuPartition": "gengpu"} in ~/.config/qsub-container/config.json (the cluster\'s, with --host)';

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
    ['--gpu', 'tensorflow', '--dry-run', '--', 'true'],
    { QSUB_CONTAINER_CONFIG: WITHOUT_GPU_PARTITION },
    NO_GPU_ON_DEFAULT,
    2,
  ],
  [
    ['tensorflow', '--dry-run', '--', 'true'],
    {},
    'qsub-container: tensorflow without --gpu would run without a GPU on Slurm\'s default partition, not on "gpuPartition" gengpu. Hint: add --gpu (qsub-container --gpu tensorflow -- COMMAND); for a CPU job, name its partition with -p',
    2,
  ],
  [
    ['tensorflow', '-p', '--', 'true'],
    {},
    'qsub-container: -p needs a value: Slurm partition. Hint: write it right after -p, before --, or leave -p out',
    2,
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

  it("over --host the cluster side's gpuPartition counts: a framework without --gpu says add --gpu", async () => {
    const { home } = clientHome();
    const result = await remoteQsc(['--host', 'cluster', 'tensorflow', '--dry-run', '--', 'true'], home);
    expect(result.stderr.trim().split('\n')).toEqual([
      'qsub-container: tensorflow without --gpu would run without a GPU on Slurm\'s default partition, not on "gpuPartition" gengpu. Hint: add --gpu (qsub-container --gpu tensorflow -- COMMAND); for a CPU job, name its partition with -p',
    ]);
    expect(result.code).toBe(2);
  });

  it('over --host, a GPU job without -p whose default partition has no GPUs: exit 2, naming the partitions with GPUs', async () => {
    // The cluster side's settings count, and hpcuser's name a "gpuPartition": log in as the neighbour, who has no config.
    const { home } = clientHome({
      sshConfig: `Host cluster\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User ${NEIGHBOUR}\n  IdentityFile ${NEIGHBOUR_KEY}\n`,
    });
    const result = await remoteQsc(['--host', 'cluster', '--gpu', 'tensorflow', '--dry-run', '--', 'true'], home);
    expect(result.stderr.trim().split('\n')).toEqual([NO_GPU_ON_DEFAULT]);
    expect(result.code).toBe(2);
  });

  it("a reference naming no registry is said to be Docker Hub's, with NGC's name (the testbed has no route to Docker Hub: 69)", async () => {
    const result = await qsc(['nvidia/pytorch:23.10-py3', '--dry-run', '--', 'true']);
    expect(result.stderr.split('\n')[0]).toBe(
      'qsub-container: note: "nvidia/pytorch:23.10-py3" names no registry, so it comes from Docker Hub (registry-1.docker.io/nvidia/pytorch:23.10-py3); if you meant NGC\'s image, write nvcr.io/nvidia/pytorch:23.10-py3',
    );
    expect(result.code).toBe(69);
  });

  it('a CPU job without -p (and no "partition" configured) goes to Slurm\'s default partition, short', async () => {
    const image = `${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`;
    const dry = await qsc([image, '--dry-run', '--', 'true']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).not.toMatch(/^#SBATCH --partition/m);
    expect(dry.stderr).toContain("no partition named: sbatch will use Slurm's default, the one sinfo marks with *");
    const name = `qsc-e2e-default-partition-${process.pid}`;
    const submitted = await qsc([image, '-J', name, '-o', '/dev/null', '--', 'true']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = submitted.stdout.trim();
    try {
      expect(jobFields(jobId).Partition).toBe('short');
      expect(submitted.stderr).toContain(`submitted job ${jobId} on Slurm's default partition`);
    } finally {
      sh('scancel', [jobId]);
    }
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
