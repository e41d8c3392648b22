// The pull block as the pull script renders it and as jobs do: one protocol. That bash reads both renders is checked
// in test/integration/job/pull-script.test.ts.
import { describe, expect, it } from 'vitest';
import { renderPullJobScript } from '../../../src/app/prepare-image.js';
import { jobComment } from '../../../src/cache/in-use.js';
import { DEFAULT_CACHE } from '../../../src/cache/settings.js';
import { resolveSettings } from '../../../src/config/resolve.js';
import { planJobView } from '../../../src/job/plan.js';
import { renderPullScript } from '../../../src/job/pull-script.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { PULL_REQUEST } from '../../support/job-request.js';
import { JOB, PULL } from '../../support/templates.js';

const request = PULL_REQUEST;
const D = request.image.digest;

describe('the pull block', () => {
  it('renders for the warmer: stops after the pull, with group, tmp dirs and the comment', () => {
    const cache = {
      ...DEFAULT_CACHE,
      group: 'p1',
      trustedUsers: ['qscwarm', "o'brien"],
      apptainerTmpDir: '/scratch/apptainer tmp',
      apptainerCacheDir: '/scratch/cache',
      minFreeBytes: 2 ** 30,
    };
    const script = renderPullScript(PULL, cache, {
      image: request.image,
      imageCacheDir: request.imageCacheDir,
      sbatch: {
        jobName: 'qsc-warm-cdcdcdcdcdcd',
        partition: 'short',
        account: undefined,
        time: '02:00:00',
        output: undefined,
      },
    });
    expect(script).toContain(`#SBATCH --comment=${jobComment(D)}`);
    expect(script).toContain("tmp_base='/scratch/apptainer tmp'");
    expect(script).toContain("trusted_users=( qscwarm 'o'\\''brien')");
    expect(script).toContain('chmod 0444 "$partial"'); // published read-only, never group-writable
    expect(script).not.toContain('g+w ');
    expect(script).toContain('export APPTAINER_CACHEDIR=/scratch/cache/"$me"');
    expect(script).toContain('chgrp p1 "$partial"');
    expect(script).toContain('-lt 1048576 ]');
    expect(script).toMatch(/\nexit 0\n$/);
    expect(script).not.toContain('exec "$runtime"');
    expect(script).not.toContain('min_driver=');
    expect(script).toContain(`"size":%s`);
  });

  it('renders for a job: runs the image after the same block, defaults without group or tmp settings', () => {
    const script = renderTemplate(JOB, planJobView({ ...request, command: ['python', 'x.py'] }, DEFAULT_CACHE));
    expect(script).not.toMatch(/^exit 0$/m);
    expect(script).not.toContain('chgrp');
    expect(script).toContain('pull_tmp="$work/tmp"'); // Apptainer's temp files in the pull's private directory
    expect(script).toContain('trusted_users=()');
    expect(script).toContain(`exec "$runtime" exec "$sif" python x.py`);
  });

  it("renders the CPU pull job on the pull partition, without the GPU job's GRES or feature constraint", () => {
    const { settings } = resolveSettings(
      [{ source: 'site.json', values: { warm: { pullPartition: 'short', pullTime: '00:10:00' } } }],
      '/cfg',
    );
    const script = renderPullJobScript(PULL, settings, request.image, '/srv/qsc-cache');
    expect(script).toContain('#SBATCH --partition=short');
    expect(script).not.toContain('--constraint');
    expect(script).not.toContain('--gres');
  });
});
