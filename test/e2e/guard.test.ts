// The job's runtime guard on the testbed: the kernel module's version file first (a site setting points jobs at one),
// nvidia-smi only without it; a logging wrapper around the testbed's nvidia-smi stand-in shows when it ran.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, jobFields, qsc, waitForJob } from '../support/cluster.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

const TF = ['--gpu', 'tensorflow', '--driver', '580.159.04', '--tag', '25.02-tf2-py3', '--pull', 'job', '--json'];
const ECHO_CUDA = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
const MIN = '570.86.10'; // 25.02-tf2-py3's CUDA_DRIVER_VERSION: the guard's minimum
const IMAGE = '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3';

afterAll(removeUserTempDirs);

/**
 * A directory for one submission: a site config naming its version file (written when `versionFile` is given), and an
 * nvidia-smi first on the job's PATH (sbatch hands the submitter's PATH to the job) that logs each call, then runs
 * the testbed's stand-in.
 */
function guardSetup(versionFile: string | undefined) {
  const dir = userTempDir('qsc-guard');
  chmodSync(dir, 0o755);
  const driverVersionFile = join(dir, 'nvidia-version');
  if (versionFile !== undefined) writeFileSync(driverVersionFile, versionFile, { mode: 0o644 });
  const site = join(dir, 'site.json');
  writeFileSync(site, JSON.stringify({ driverVersionFile }), { mode: 0o644 });
  const log = join(dir, 'nvidia-smi-calls');
  writeFileSync(
    join(dir, 'nvidia-smi'),
    `#!/bin/bash\necho "$*" >> ${JSON.stringify(log)}\nexec /usr/local/bin/nvidia-smi "$@"\n`,
    { mode: 0o755 },
  );
  return {
    driverVersionFile,
    env: { QSUB_CONTAINER_SITE_CONFIG: site, PATH: `${dir}:/usr/local/bin:/usr/bin:/bin` },
    smiCalls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

async function submitAndWait(partition: string, cacheDir: string, env: Record<string, string>) {
  const result = await qsc([...TF, '-p', partition, '--cache-dir', cacheDir, ...ECHO_CUDA], env);
  expect(result.code, result.stderr).toBe(0);
  const body = JSON.parse(result.stdout);
  expect(body).toMatchObject({ image: IMAGE, guardMinDriver: MIN });
  const run = await waitForJob(body.jobId);
  return { ...run, exitCode: jobFields(body.jobId).ExitCode };
}

describe('the runtime guard reads the kernel module version file first', () => {
  it('too old, new enough on the NVML-mismatch partition, and missing: 86, runs, falls back to nvidia-smi', async () => {
    const cacheDir = freshCacheDir('guard-proc');
    // gengpu's nvidia-smi says 580.159.04, which meets the minimum: only the file can make this job stop.
    const tooOld = guardSetup(
      'NVRM version: NVIDIA UNIX x86_64 Kernel Module  525.105.17  Sat Mar 11 02:11:35 UTC 2023\n',
    );
    // gpu-broken's nvidia-smi fails with "Driver/library version mismatch" on every call.
    const newEnough = guardSetup(
      'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  (dvs-builder@U22-I3-AF03-09-1)  Tue Sep 30 2025\n',
    );
    const missing = guardSetup(undefined);
    const [stopped, ran, fellBack] = await Promise.all([
      submitAndWait('gengpu', cacheDir, tooOld.env),
      submitAndWait('gpu-broken', cacheDir, newEnough.env),
      submitAndWait('gpu-legacy', cacheDir, missing.env),
    ]);

    expect(stopped).toMatchObject({ state: 'FAILED', exitCode: '86:0' });
    expect(stopped.output).toMatch(/GPU driver 525\.105\.17 on \S+ \(kernel module, /);
    expect(stopped.output).toContain(
      `(kernel module, ${tooOld.driverVersionFile}) is older than ${MIN}, the minimum for ${IMAGE}`,
    );
    expect(stopped.output).not.toContain('qsub-container: pulling');
    expect(tooOld.smiCalls()).toEqual([]);

    expect(ran, ran.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    expect(ran.output).toContain('CUDA=12.8.0.038');
    expect(ran.output).not.toContain('could not read the GPU driver');
    expect(newEnough.smiCalls()).toEqual([]);

    // As before this change: nvidia-smi's answer (gpu-legacy: 525.105.17), today's message, no file named.
    expect(fellBack).toMatchObject({ state: 'FAILED', exitCode: '86:0' });
    expect(fellBack.output).toMatch(/GPU driver 525\.105\.17 on \S+ is older than 570\.86\.10, the minimum for /);
    expect(fellBack.output).not.toContain('kernel module');
    expect(missing.smiCalls()).toEqual(['--query-gpu=driver_version --format=csv,noheader']);
  });
});
