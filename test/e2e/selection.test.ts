// Detection per node group and selection per driver on the real testbed, and the job's runtime guard tripping on a node.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshCacheDir, jobFields, qsc, sh, waitForJob } from '../support/cluster.js';

const ECHO_CUDA = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
const queuedWithName = (name: string) => sh('squeue', ['--noheader', '--name', name, '--format=%i']).trim();

/** Wait for the job to end and to leave squeue (COMPLETING lingers), so later "nothing queued" checks see a quiet queue. */
async function finish(jobId: string) {
  const run = await waitForJob(jobId);
  for (let i = 0; i < 100 && sh('squeue', ['--noheader', '--jobs', jobId, '--format=%i']).trim() !== ''; i++)
    await new Promise((r) => setTimeout(r, 200));
  return run;
}

async function submitJson(args: string[], env: Record<string, string> = {}) {
  const end = args.indexOf('--');
  const result = await qsc(end < 0 ? [...args, '--json'] : [...args.slice(0, end), '--json', ...args.slice(end)], env);
  expect(result.code, result.stderr).toBe(0);
  return { body: JSON.parse(result.stdout), stderr: result.stderr };
}

describe('detect per partition and per node group', () => {
  it('gives two different drivers for gengpu and gpu-legacy', async () => {
    const result = await qsc(['detect', '-p', 'gengpu', '-p', 'gpu-legacy', '--refresh', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [gengpu, legacy] = JSON.parse(result.stdout);
    expect(gengpu).toMatchObject({ partition: 'gengpu', driverVersion: '580.159.04' });
    expect(legacy).toMatchObject({ partition: 'gpu-legacy', driverVersion: '525.105.17' });
  });

  it('probes each node group of gpu-mixed and reports the lowest driver', async () => {
    const result = await qsc(['detect', '-p', 'gpu-mixed', '--refresh', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [mixed] = JSON.parse(result.stdout);
    expect(mixed.driverVersion).toBe('525.105.17');
    expect(
      mixed.groups.map((g: { nodes: string[]; gres: string; driverVersion: string }) => [
        g.nodes,
        g.gres,
        g.driverVersion,
      ]),
    ).toEqual([
      [['gpu02'], 'gpu:v100:2', '525.105.17'],
      [['gpu03'], 'gpu:h100:2', '580.159.04'],
    ]);
    expect(mixed.gpus.map((g: { name: string }) => g.name)).toEqual(['Tesla V100-SXM2-32GB', 'NVIDIA H100 80GB HBM3']);
  });

  it.each([
    [['--gpu-type', 'h100'], '580.159.04', 'gpu03'],
    [['--gpu-type', 'v100'], '525.105.17', 'gpu02'],
    [['-C', 'h100'], '580.159.04', 'gpu03'],
  ])('narrows gpu-mixed with %j to driver %s', async (narrow, driver, node) => {
    const result = await qsc(['detect', '-p', 'gpu-mixed', ...narrow, '--refresh', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [mixed] = JSON.parse(result.stdout);
    expect(mixed).toMatchObject({ driverVersion: driver, groups: [{ nodes: [node], driverVersion: driver }] });
  });

  it('refuses a GPU type no node group of the partition has, naming the groups', async () => {
    const result = await qsc(['detect', '-p', 'gpu-mixed', '--gpu-type', 'a100', '--refresh']);
    expect(result.code).toBe(66);
    expect(result.stderr).toContain('no node of gpu-mixed has GPU type a100');
    expect(result.stderr).toContain('gpu02 (gpu:v100:2; v100)');
  });
});

describe('the same framework on different drivers', () => {
  it('picks different tensorflow tags for gengpu and gpu-legacy, and each job runs its tag', async () => {
    const cacheDir = freshCacheDir('two-partitions');
    const [h100, v100] = await Promise.all([
      submitJson(['--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, ...ECHO_CUDA]),
      submitJson(['--gpu', 'tensorflow', '-p', 'gpu-legacy', '--cache-dir', cacheDir, ...ECHO_CUDA]),
    ]);
    expect(h100.body).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
      driver: { version: '580.159.04' },
      guardMinDriver: '570.86.10',
    });
    expect(v100.body).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:23.01-tf2-py3',
      driver: { version: '525.105.17' },
      guardMinDriver: '525.85.12',
    });
    const [runH, runV] = await Promise.all([finish(h100.body.jobId), finish(v100.body.jobId)]);
    expect(runH).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=12.8.0.038') });
    expect(runV).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=12.0.1.000') });
  });

  it('on gpu-mixed picks for the lowest node group, unless --gpu-type narrows it', async () => {
    const all = await submitJson(['--gpu', 'tensorflow', '-p', 'gpu-mixed', '--dry-run', '--refresh']);
    const h100 = await submitJson([
      '--gpu',
      'tensorflow',
      '-p',
      'gpu-mixed',
      '--gpu-type',
      'h100',
      '--dry-run',
      '--refresh',
    ]);
    expect(all.body.image).toMatch(/:23\.01-tf2-py3$/);
    expect(h100.body.image).toMatch(/:25\.02-tf2-py3$/);
    expect(h100.body.script).toContain('#SBATCH --gres=gpu:h100:1');
  });
});

describe('explicit tags and the runtime guard', () => {
  it('refuses --tag the partition cannot run, queueing nothing', async () => {
    // A unique job name: other jobs on the shared testbed may come and go meanwhile.
    const name = `qsc-refused-${process.pid}-${Date.now()}`;
    const result = await qsc([
      '--gpu',
      'tensorflow',
      '-p',
      'gpu-legacy',
      '--tag',
      '25.02-tf2-py3',
      '-J',
      name,
      '--',
      'true',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tensorflow:25.02-tf2-py3 cannot run on driver 525.105.17');
    expect(result.stderr).toContain('--force');
    expect(queuedWithName(name)).toBe('');
  });

  it.each([
    ['--tag --force', ['--tag', '25.02-tf2-py3', '--force']],
    ['a --driver that is not the node’s', ['--driver', '580.159.04']],
  ])('trips on gpu-legacy with %s: exit 86 before any pull', async (_label, forcing) => {
    const cacheDir = freshCacheDir('guard');
    const { body } = await submitJson([
      '--gpu',
      'tensorflow',
      '-p',
      'gpu-legacy',
      '--cache-dir',
      cacheDir,
      ...forcing,
      ...ECHO_CUDA,
    ]);
    expect(body).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
      guardMinDriver: '570.86.10',
    });
    const run = await finish(body.jobId);
    expect(run.state).toBe('FAILED');
    expect(jobFields(body.jobId).ExitCode).toBe('86:0');
    expect(run.output).toContain('GPU driver 525.105.17 on');
    expect(run.output).toContain(
      'is older than 570.86.10, the minimum for 127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
    );
    expect(run.output).not.toContain('qsub-container: pulling');
    expect(run.output).not.toContain('CUDA=');
  });
});

describe('policies and the offline seed', () => {
  const siteConfig = (values: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'qsc-site-'));
    chmodSync(dir, 0o755);
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(values));
    chmodSync(file, 0o644);
    return { QSUB_CONTAINER_SITE_CONFIG: file };
  };

  it('refuses forward-compat unless the site config allows it, then uses a listed data-center branch', async () => {
    const args = [
      'tags',
      'pytorch',
      '--offline',
      '--driver',
      '535.104.05',
      '--gpu-name',
      'NVIDIA H100 80GB HBM3',
      '--policy',
      'forward-compat',
      '--json',
    ];
    const refused = await qsc(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('forward-compat is not enabled on this site');
    const allowed = await qsc(args, siteConfig({ forwardCompat: 'data-center' }));
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({
      source: 'seed',
      selected: { tag: '24.06-py3', mode: 'forward-compat' },
    });
    const consumer = await qsc(
      [...args.slice(0, 6), 'NVIDIA GeForce RTX 3090', ...args.slice(7)],
      siteConfig({ forwardCompat: 'data-center' }),
    );
    expect(JSON.parse(consumer.stdout)).toMatchObject({ selected: { tag: '23.10-py3', mode: 'native' } });
  });

  it('falls back to the offline seed when the registry cannot be reached, and says so', async () => {
    const result = await qsc(['tags', 'tensorflow', '--registry', '127.0.0.1:9', '--driver', '535.104.05', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('registry 127.0.0.1:9 is unreachable');
    expect(result.stderr).toContain('answering from the offline seed');
    expect(JSON.parse(result.stdout)).toMatchObject({
      source: 'seed',
      selected: { tag: '23.01-tf2-py3', digest: null },
    });
  });

  it('explains every candidate and warns under minor-compat', async () => {
    const result = await qsc(['tags', 'pytorch', '--driver', '525.105.17', '--policy', 'minor-compat', '--explain']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /26\.07\s+26\.07-py3\s+13\.3\.1\s+610\.43\.02\s+no\s+needs driver ≥ 610\.43\.02 .*below 580\.65\.06/,
    );
    expect(result.stdout).toMatch(/23\.10\s+23\.10-py3\s+12\.2\.2\s+535\.104\.05\s+yes \(minor-compat\)/);
    expect(result.stdout).toContain('selected 127.0.0.1:5000/nvidia/pytorch:25.01-py3');
    expect(result.stdout).toContain('warning: minor-version compatibility');
  });
});
