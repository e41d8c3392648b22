// The CPU-only driver probe against real Slurm: with every GPU of gpu01 held by a running job, the GPU probe's step
// cannot start ("Requested nodes are busy") while the probe built by cpuProbeArgv starts on a free core and reads the
// kernel module's files (stand-ins here: the testbed has no NVIDIA module, so the site setting's paths point at them).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuProbeArgv, parseCpuProbe } from '../../src/gpu/cpu-probe.js';
import { probeArgv } from '../../src/gpu/probe.js';
import { runAsUser, sh } from '../support/cluster.js';
import { dirForUser, fixtureForUser, removeUserFixtures } from '../support/user-fixtures.js';

let holder: string | undefined;

beforeAll(async () => {
  // The node's whole GRES (as sinfo %G prints it), one CPU: what a saturated GPU partition looks like.
  const gres = sh('sinfo', ['--noheader', '--Node', '--nodes=gpu01', '--format=%G']).split('\n')[0]!.trim();
  const submitted = await runAsUser([
    'sbatch',
    '--parsable',
    '--partition=gengpu',
    `--gres=${gres}`,
    '--cpus-per-task=1',
    '--job-name=qsc-e2e-gpu-holder',
    '--output=/dev/null',
    '--wrap',
    'sleep 300',
  ]);
  expect(submitted.code, submitted.stderr).toBe(0);
  holder = submitted.stdout.trim().split(';')[0];
  for (let i = 0; i < 60; i++) {
    if (sh('squeue', ['--noheader', '--jobs', holder!, '--format=%T']).trim() === 'RUNNING') return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the GPU holder job ${holder} did not start`);
});

afterAll(() => {
  if (holder) sh('scancel', [holder]);
  removeUserFixtures();
});

describe('the CPU-only driver probe on a partition whose GPUs are all allocated', () => {
  it('the GPU probe cannot start: every GPU is taken', async () => {
    const argv = probeArgv({ partition: 'gengpu', gpuType: undefined, account: undefined, waitSeconds: 2 }, 'gpu01');
    const gpuProbe = await runAsUser(argv);
    expect(gpuProbe.code).not.toBe(0);
    expect(gpuProbe.stderr).toMatch(/Requested nodes are busy|Unable to allocate resources/);
  });

  it('starts on a free core and reads the driver and each GPU model from the kernel module files', async () => {
    const versionFile = fixtureForUser('nvidia-proc-version/public-565.57.01-x86_64-open-ubuntu.txt');
    const gpusDir = dirForUser('gpus');
    for (const [bus, file] of [
      ['0000:01:00.0', 'public-rtx3090-590.48.01.txt'],
      ['0000:00:04.0', 'public-k80-colab.txt'],
    ]) {
      mkdirSync(join(gpusDir, bus!), { mode: 0o755 });
      copyFileSync(
        new URL(`../fixtures/nvidia-proc-gpus/${file}`, import.meta.url),
        join(gpusDir, bus!, 'information'),
      );
    }
    const started = Date.now();
    const result = await runAsUser(
      cpuProbeArgv({ partition: 'gengpu', node: 'gpu01', account: undefined, waitSeconds: 10, versionFile, gpusDir }),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(0);
    // Glob order: 0000:00:04.0 before 0000:01:00.0.
    expect(parseCpuProbe(result.stdout)).toEqual({
      kind: 'ok',
      driverVersion: '565.57.01',
      gpuModels: ['Tesla K80', 'NVIDIA GeForce RTX 3090'],
    });
    console.log(`cpu-probe: answered in ${seconds.toFixed(2)} s with every GPU of gpu01 allocated`);
  });

  it('names no driver when the version file is missing (a node without the module), without failing to start', async () => {
    const result = await runAsUser(
      cpuProbeArgv({
        partition: 'gengpu',
        node: 'gpu01',
        account: undefined,
        waitSeconds: 10,
        versionFile: '/nonexistent/version',
        gpusDir: '/nonexistent',
      }),
    );
    expect(result.code).toBe(3);
    expect(parseCpuProbe(result.stdout)).toMatchObject({ kind: 'no-driver' });
  });
});
