// SBATCH_PARTITION / SBATCH_CONSTRAINT in the submitter's environment, which sbatch lets override #SBATCH lines: the
// image is selected for the partition and nodes sbatch really runs the job on, the CPU pull job stays on the pull
// partition without them, and a conflict with -p is refused before anything is queued.
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, jobFields, qsc, REGISTRY, waitForJob } from '../support/cluster.js';
import { removeTempDirs, warmEnv } from '../support/warm.js';

afterAll(() => removeTempDirs());

/** Our own config (gpuPartition gengpu, a pull partition) and XDG cache, so our own driver cache. */
const ownEnv = (extra: Record<string, string>) =>
  warmEnv(
    {
      registry: REGISTRY,
      cacheDir: freshCacheDir('sbatch-env'),
      gpuPartition: 'gengpu',
      cache: { minFree: '1G' },
      warm: { pullPartition: 'short', pullTime: '00:10:00' },
    },
    extra,
  );

interface Submitted {
  jobId: string;
  image: string;
  partition: string;
  constraint: string | null;
  driver: { version: string };
  pull: string;
  pullJobId: string | null;
}

async function submitGpu(args: string[], env: Record<string, string>) {
  const result = await qsc(
    ['--gpu', 'tensorflow', ...args, '--json', '--', 'sh', '-c', 'echo ran on $SLURMD_NODENAME'],
    env,
  );
  expect(result.code, result.stderr).toBe(0);
  return { body: JSON.parse(result.stdout) as Submitted, stderr: result.stderr };
}

/** The job ran where the selection said, and its runtime guard let it (COMPLETED). */
async function ranOn(body: Submitted) {
  if (body.pullJobId) {
    expect(jobFields(body.pullJobId).Partition, 'the pull job stays on the pull partition').toBe('short');
    expect(jobFields(body.pullJobId).Features ?? '(null)').toBe('(null)');
  }
  const fields = jobFields(body.jobId);
  const run = await waitForJob(body.jobId);
  expect(run.state, run.output).toBe('COMPLETED');
  return { fields, output: run.output };
}

describe('SBATCH_* in the environment: selection matches what sbatch runs', () => {
  it('SBATCH_PARTITION=gpu-legacy without -p: probed, selected for and run on gpu-legacy (not gpuPartition gengpu)', async () => {
    const { body, stderr } = await submitGpu([], ownEnv({ SBATCH_PARTITION: 'gpu-legacy' }));
    expect(stderr).toContain('partition gpu-legacy from SBATCH_PARTITION (sbatch would use it over gengpu)');
    expect(body).toMatchObject({
      partition: 'gpu-legacy',
      driver: { version: '525.105.17' },
      image: `${REGISTRY}/nvidia/tensorflow:23.01-tf2-py3`,
      pull: 'pull-job',
    });
    const { fields } = await ranOn(body);
    expect(fields.Partition).toBe('gpu-legacy');
  });

  it.each([
    ['h100', '580.159.04', '25.02-tf2-py3', 'gpu03'],
    ['v100', '525.105.17', '23.01-tf2-py3', 'gpu02'],
  ])(
    'SBATCH_CONSTRAINT=%s on gpu-mixed: selected for driver %s (tensorflow %s), run on %s',
    async (feature, driver, tag, node) => {
      const { body } = await submitGpu(['-p', 'gpu-mixed'], ownEnv({ SBATCH_CONSTRAINT: feature }));
      expect(body).toMatchObject({
        partition: 'gpu-mixed',
        constraint: feature,
        driver: { version: driver },
        image: `${REGISTRY}/nvidia/tensorflow:${tag}`,
      });
      const { fields, output } = await ranOn(body);
      expect(fields.Features).toBe(feature);
      expect(output).toContain(`ran on ${node}`);
    },
  );

  it('SBATCH_PARTITION against -p: refused with a sentence (exit 2), the dry run prints no script', async () => {
    const result = await qsc(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--', 'true'],
      ownEnv({ SBATCH_PARTITION: 'gpu-legacy' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "SBATCH_PARTITION=gpu-legacy in your environment overrides the job's partition gengpu (-p), so sbatch would not run the job the image was chosen for",
    );
    expect(result.stderr).toContain('unset SBATCH_PARTITION, or pass -p gpu-legacy');
    expect(result.stdout).toBe('');
  });
});
