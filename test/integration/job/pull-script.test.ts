// The pull script and the job's pull block read by real bash (bash -n): the pull script alone (a warmer's pull with a
// group, tmp dirs and the comment set) and a job with the defaults.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE } from '../../../src/cache/settings.js';
import { planJobView } from '../../../src/job/plan.js';
import { renderPullScript } from '../../../src/job/pull-script.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { PULL_REQUEST } from '../../support/job-request.js';
import { JOB, PULL } from '../../support/templates.js';

const request = PULL_REQUEST;

describe('the pull block under bash', () => {
  it('renders the pull script as one bash accepts (group, tmp dirs, comment set)', () => {
    const cache = {
      ...DEFAULT_CACHE,
      group: 'p1',
      apptainerTmpDir: '/scratch/apptainer tmp',
      apptainerCacheDir: '/scratch/cache',
      minFreeBytes: 2 ** 30,
    };
    const script = renderPullScript(PULL, cache, {
      image: request.image,
      imageCacheDir: request.imageCacheDir,
      sbatch: { jobName: request.jobName, partition: 'short', account: undefined, time: '02:00:00', output: undefined },
    });
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow();
  });

  it('renders for a job as a script bash accepts (defaults, no group or tmp settings)', () => {
    const script = renderTemplate(JOB, planJobView({ ...request, command: ['python', 'x.py'] }, DEFAULT_CACHE));
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow();
  });
});
