// The job template's pull block as the warmer renders it (pull only) and as jobs do, read by real bash (bash -n).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planCacheView } from '../../../src/cache/job-view.js';
import { DEFAULT_CACHE } from '../../../src/config/cache-settings.js';
import { planJobView, type JobRequest } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';

const TEMPLATE = readFileSync(new URL('../../../job-templates/apptainer.sbatch.mustache', import.meta.url), 'utf8');
const D = `sha256:${'cd'.repeat(32)}`;
const request: JobRequest = {
  jobName: 'qsc-warm-cdcdcdcdcdcd',
  partition: 'short',
  account: undefined,
  time: '02:00:00',
  mem: undefined,
  cpus: undefined,
  gpus: 0,
  gpuType: undefined,
  output: undefined,
  cacheDir: "/projects/p1/it's containers",
  command: [],
  image: {
    displayRef: 'nvcr.io/nvidia/pytorch:24.10-py3',
    pullRef: `docker://nvcr.io/nvidia/pytorch@${D}`,
    digest: D,
    noHttps: false,
    authFile: undefined,
  },
};
const facts = {
  digest: D,
  source: 'nvcr.io/nvidia/pytorch:24.10-py3',
  cudaVersion: '12.6.2.004',
  cudaDriverVersion: '560.35.03',
};

describe('the pull block under bash', () => {
  it('renders for the warmer as a script bash accepts (group, tmp dirs, comment set)', () => {
    const cache = {
      ...DEFAULT_CACHE,
      group: 'p1',
      apptainerTmpDir: '/scratch/apptainer tmp',
      apptainerCacheDir: '/scratch/cache',
      minFreeBytes: 2 ** 30,
    };
    const script = renderTemplate(TEMPLATE, planJobView(request, planCacheView(cache, facts, true)));
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow();
  });

  it('renders for a job as a script bash accepts (defaults, no group or tmp settings)', () => {
    const script = renderTemplate(
      TEMPLATE,
      planJobView({ ...request, command: ['python', 'x.py'] }, planCacheView(DEFAULT_CACHE, facts, false)),
    );
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow();
  });
});
