// The job script's runtime guard, run for real under bash with stand-in nvidia-smi and apptainer on PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planJobView, sifFileName, type JobRequest } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';

const TEMPLATE = readFileSync(new URL('../../../job-templates/apptainer.sbatch.mustache', import.meta.url), 'utf8');
const DIGEST = `sha256:${'cd'.repeat(32)}`;

function runJob(nvidiaSmi: string, minDriver: string | undefined, cached: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-guard-'));
  const bin = join(dir, 'bin');
  const cache = join(dir, 'cache');
  mkdirSync(bin);
  mkdirSync(cache);
  const calls = join(dir, 'apptainer-calls');
  writeFileSync(join(bin, 'apptainer'), `#!/bin/bash\necho "$1" >> ${JSON.stringify(calls)}\n[ "$1" = pull ] && echo sif > "\${@: -2:1}"\nexit 0\n`);
  writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/bash\n${nvidiaSmi}\n`);
  chmodSync(join(bin, 'apptainer'), 0o755);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  if (cached) writeFileSync(join(cache, sifFileName(DIGEST)), 'not empty');
  const request: JobRequest = {
    jobName: 'guard', partition: 'gpu-legacy', account: undefined, time: undefined, mem: undefined, cpus: undefined, gpus: 1,
    gpuType: undefined, output: undefined, cacheDir: cache, command: ['true'], minDriver,
    image: { displayRef: 'r/nvidia/tensorflow:25.02-tf2-py3', pullRef: `docker://r/nvidia/tensorflow@${DIGEST}`, digest: DIGEST, noHttps: false, authFile: undefined },
  };
  const result = spawnSync('bash', ['-c', renderTemplate(TEMPLATE, planJobView(request))], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir }, cwd: dir, encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr, calls: existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [] };
}

describe('runtime guard in the job script', () => {
  it('stops with exit 86 before any pull when the node driver is below the image minimum', () => {
    const job = runJob('echo 525.105.17', '570.86.10', false);
    expect(job.code).toBe(86);
    expect(job.stderr).toContain('GPU driver 525.105.17 on');
    expect(job.stderr).toContain('older than 570.86.10, the minimum for r/nvidia/tensorflow:25.02-tf2-py3');
    expect(job.calls).toEqual([]);
  });

  it.each([
    ['equal versions', 'echo 570.86.10', '570.86.10'],
    ['2-part driver equal to a 3-part minimum', 'echo 570.26', '570.26.0'],
    ['newer driver, CSV spacing and one line per GPU', 'printf "580.159.04 \\n580.159.04 \\n"', '570.86.10'],
  ])('lets the job run on %s', (_label, smi, min) => {
    const job = runJob(smi, min, true);
    expect(job.code, job.stderr).toBe(0);
    expect(job.calls).toEqual(['exec']);
  });

  it('warns and runs when nvidia-smi prints no driver version (N/A, a failure text)', () => {
    for (const smi of ['echo "[N/A]"', 'echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18']) {
      const job = runJob(smi, '570.86.10', true);
      expect(job.code, job.stderr).toBe(0);
      expect(job.stderr).toContain('could not read the GPU driver');
    }
  });

  it('is absent when no minimum is given (CPU jobs)', () => {
    const job = runJob('echo 1.0', undefined, true);
    expect(job.code).toBe(0);
    expect(job.stderr).not.toContain('driver');
  });
});
