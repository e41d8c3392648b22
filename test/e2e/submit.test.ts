// The core path end to end on the testbed: probe the partition's driver, pick the tag, submit, run in Apptainer.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshCacheDir, jobName, qsc, waitForJob } from '../support/cluster.js';

const ECHO_CUDA = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];

async function submit(args: string[], env: Record<string, string> = {}) {
  const result = await qsc(args, env);
  expect(result.stderr + result.stdout).toMatch(/.*/);
  expect(result.code, result.stderr).toBe(0);
  const jobId = result.stdout.trim();
  expect(jobId).toMatch(/^\d+$/);
  return { jobId, stderr: result.stderr };
}

describe('qsub-container --gpu tensorflow on the testbed', () => {
  it('runs the newest tag gengpu (580.159.04) can run, then reuses the cached image', async () => {
    const cacheDir = freshCacheDir('gengpu');
    const first = await submit(['--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, ...ECHO_CUDA]);
    expect(first.stderr).toContain('25.02-tf2-py3');
    const run1 = await waitForJob(first.jobId);
    expect(run1).toMatchObject({ state: 'COMPLETED' });
    expect(run1.output).toContain('CUDA=12.8.0.038');
    expect(run1.output).toContain('qsub-container: pulling 127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3');

    const second = await submit(['--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, ...ECHO_CUDA]);
    const run2 = await waitForJob(second.jobId);
    expect(run2.output).toContain('CUDA=12.8.0.038');
    expect(run2.output).toContain('using cached image');
    expect(run2.output).not.toContain('pulling');
    // One image, no leftovers: the digest-named SIF, its metadata sidecar and lock file (no pull directory, where
    // Apptainer's temp files were, nor a shared temp directory).
    const files = readdirSync(cacheDir).sort();
    expect(files).toHaveLength(3);
    expect(files[0]).toMatch(/^sha256-[0-9a-f]{64}\.json$/);
    expect(files[1]).toMatch(/^sha256-[0-9a-f]{64}\.sif$/);
    expect(files[2]).toMatch(/^sha256-[0-9a-f]{64}\.sif\.lock$/);
  });

  it('selects an older tag on gpu-legacy (525.105.17)', async () => {
    const { jobId, stderr } = await submit([
      '--gpu',
      'tensorflow',
      '-p',
      'gpu-legacy',
      '--cache-dir',
      freshCacheDir('legacy'),
      ...ECHO_CUDA,
    ]);
    expect(stderr).toContain('23.01-tf2-py3');
    expect(await waitForJob(jobId)).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=12.0.1.000'),
    });
  });

  it('skips a pytorch tag too new for the driver (26.07 needs 610) and runs 25.10 on gengpu', async () => {
    const { jobId, stderr } = await submit([
      '--gpu',
      'pytorch',
      '-p',
      'gengpu',
      '--cache-dir',
      freshCacheDir('pytorch'),
      ...ECHO_CUDA,
    ]);
    expect(stderr).toContain('25.10-py3');
    expect(await waitForJob(jobId)).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=13.0.2.006'),
    });
  });

  it('pulls once when two jobs need the same uncached image at the same time', async () => {
    const cacheDir = freshCacheDir('together');
    const args = [
      '--gpu',
      'tensorflow',
      '-p',
      'gengpu',
      '--driver',
      '580.159.04',
      '--cache-dir',
      cacheDir,
      ...ECHO_CUDA,
    ];
    const [a, b] = await Promise.all([submit(args), submit(args)]);
    const outputs = await Promise.all([waitForJob(a.jobId), waitForJob(b.jobId)]);
    for (const run of outputs)
      expect(run).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=12.8.0.038') });
    const pulls = outputs.filter((r) => r.output.includes('qsub-container: pulling')).length;
    expect(pulls).toBe(1);
    expect(outputs.filter((r) => r.output.includes('using cached image')).length).toBe(1);
  });

  it('gives the job the command arguments byte for byte, and the job name as typed', async () => {
    const cacheDir = freshCacheDir('args');
    const args = ["it's", '$(id)', '`id`', 'a b', 'line1\nline2', '*', '"q"', '\\', 'ünï ✓', '', '--x=$HOME'];
    const name = 'name with "quotes" #hash $(id) \\ ✓';
    // od shows each byte; NUL-separated printf output makes argument boundaries visible.
    const { jobId } = await submit([
      'tensorflow',
      '-p',
      'short',
      '--driver',
      '580.159.04',
      '--cache-dir',
      cacheDir,
      '-J',
      name,
      '--',
      'sh',
      '-c',
      'printf "%s\\000" "$@" | od -An -tx1 -v',
      'sh',
      ...args,
    ]);
    expect(jobName(jobId)).toBe(name);
    const { output, state } = await waitForJob(jobId);
    expect(state).toBe('COMPLETED');
    const hex = output
      .split('\n')
      .filter((l) => /^( [0-9a-f]{2})+$/.test(l))
      .join('')
      .replace(/ /g, '');
    expect(Buffer.from(hex, 'hex').toString('utf8')).toBe(args.map((a) => `${a}\0`).join(''));
  });
});
