// -C/--constraint on the real testbed: selection for the node groups that have the feature, #SBATCH --constraint in the
// job, the job on those nodes (its CPU pull job on the pull partition without it), and a feature nobody has refused.
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, jobFields, qsc, queuedJobIds, REGISTRY, runAsUser, waitForJob } from '../support/cluster.js';
import { removeTempDirs, warmEnv } from '../support/warm.js';

afterAll(() => removeTempDirs());

/** Our own config and XDG cache (so our own driver cache): answers cached by other tests never reach these. */
const ownEnv = (cacheDir = freshCacheDir('constraint')) =>
  warmEnv({
    registry: REGISTRY,
    cacheDir,
    cache: { minFree: '1G' },
    warm: { pullPartition: 'short', pullTime: '00:10:00' },
  });

async function json(args: string[], env: Record<string, string>) {
  const end = args.indexOf('--');
  const result = await qsc(end < 0 ? [...args, '--json'] : [...args.slice(0, end), '--json', ...args.slice(end)], env);
  expect(result.code, result.stderr).toBe(0);
  return { body: JSON.parse(result.stdout), stderr: result.stderr };
}

const dryRun = (env: Record<string, string>, ...more: string[]) =>
  json(['--gpu', 'tensorflow', '-p', 'gpu-mixed', '--dry-run', ...more], env);

describe('--constraint selects for the nodes that have the feature', () => {
  it('gpu-mixed -C h100 selects for 580.159.04, without -C for 525.105.17; each answer cached under its own key', async () => {
    const env = ownEnv();
    // Without -C first: its probe fills the driver cache, which -C h100 must not reuse (nor the other way round).
    const all = await dryRun(env);
    const h100 = await dryRun(env, '-C', 'h100');
    const allAgain = await dryRun(env);
    const h100Again = await dryRun(env, '--constraint', 'h100');
    expect(all.body).toMatchObject({
      image: `${REGISTRY}/nvidia/tensorflow:23.01-tf2-py3`,
      driver: { version: '525.105.17', source: 'gpu-probe' },
      constraint: null,
    });
    expect(h100.body).toMatchObject({
      image: `${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`,
      driver: { version: '580.159.04', source: 'gpu-probe' },
      constraint: 'h100',
    });
    expect(allAgain.body).toMatchObject({ image: all.body.image, driver: { version: '525.105.17', source: 'cache' } });
    expect(h100Again.body).toMatchObject({
      image: h100.body.image,
      driver: { version: '580.159.04', source: 'cache' },
    });
    expect(h100.body.script).toContain('#SBATCH --constraint=h100\n');
    expect(all.body.script).not.toContain('--constraint');
  });

  it('prints #SBATCH --constraint=h100 in a plain dry run', async () => {
    const result = await qsc(
      ['--gpu', 'tensorflow', '-p', 'gpu-mixed', '-C', 'h100', '--dry-run', '--', 'true'],
      ownEnv(),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('#SBATCH --constraint=h100\n');
    expect(result.stdout).toContain('tensorflow:25.02-tf2-py3');
  });

  it('evaluates [v100|h100] (lowest of both) and writes it quoted so that real sbatch accepts it', async () => {
    const { body } = await dryRun(ownEnv(), '-C', '[v100|h100]', '--', 'true');
    expect(body).toMatchObject({
      image: `${REGISTRY}/nvidia/tensorflow:23.01-tf2-py3`,
      driver: { version: '525.105.17' },
    });
    expect(body.script).toContain('#SBATCH --constraint="[v100|h100]"\n');
    const check = await runAsUser(['sbatch', '--test-only'], {}, body.script);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toMatch(/to start at .* on nodes gpu0[23] in partition gpu-mixed/);
  });

  it('leaves an expression it cannot evaluate to Slurm with a warning, selecting for the whole partition', async () => {
    const { body, stderr } = await dryRun(ownEnv(), '-C', 'h100&v100|h100');
    expect(stderr).toContain(
      'warning: --constraint h100&v100|h100 is left to Slurm (& and | mixed without parentheses); selecting for the lowest driver of all of gpu-mixed',
    );
    expect(body).toMatchObject({ driver: { version: '525.105.17' } });
    expect(body.script).toContain('#SBATCH --constraint="h100&v100|h100"\n');
  });

  it('tags -C h100 judges against the H100 group', async () => {
    const { body } = await json(['tags', 'tensorflow', '-p', 'gpu-mixed', '-C', 'h100'], ownEnv());
    expect(body).toMatchObject({ driver: '580.159.04', selected: { tag: '25.02-tf2-py3' } });
  });
});

describe('a constrained job on the real cluster', () => {
  it('runs on gpu03 with -C h100; its CPU pull job runs on short without the constraint', async () => {
    const name = `qsc-constraint-${process.pid}-${Date.now()}`;
    const { body } = await json(
      [
        '--gpu',
        'tensorflow',
        '-p',
        'gpu-mixed',
        '-C',
        'h100',
        '--pull',
        'slurm',
        '-J',
        name,
        '-t',
        '5',
        '--',
        'sh',
        '-c',
        'echo NODE=$SLURMD_NODENAME CUDA=$CUDA_VERSION',
      ],
      ownEnv(),
    );
    expect(body).toMatchObject({
      submitted: true,
      constraint: 'h100',
      pull: 'pull-job',
      image: `${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`,
    });
    const pullJob = jobFields(body.pullJobId);
    expect(pullJob).toMatchObject({ Partition: 'short', Features: '(null)' });
    expect(jobFields(body.jobId)).toMatchObject({ Partition: 'gpu-mixed', Features: 'h100' });
    const run = await waitForJob(body.jobId);
    expect(run.state, run.output).toBe('COMPLETED');
    expect(run.output).toContain('NODE=gpu03 CUDA=12.8.0.038');
    expect(jobFields(body.jobId).NodeList).toBe('gpu03');
  });

  it('refuses a feature no node of the partition has: exit 66, one line with the groups, nothing queued', async () => {
    const name = `qsc-nosuch-${process.pid}-${Date.now()}`;
    const result = await qsc(
      ['--gpu', 'tensorflow', '-p', 'gpu-mixed', '-C', 'nosuch', '-J', name, '--', 'true'],
      ownEnv(),
    );
    expect(result.code).toBe(66);
    expect(result.stderr.trim().split('\n')).toEqual([
      'qsub-container: no node of gpu-mixed has feature nosuch. Hint: node groups there: gpu02 (gpu:v100:2; v100); gpu03 (gpu:h100:2; h100)',
    ]);
    expect(queuedJobIds(name)).toEqual([]);
  });

  it('refuses a malformed constraint as usage (exit 2)', async () => {
    const result = await qsc(['--gpu', 'tensorflow', '-p', 'gpu-mixed', '-C', 'h100;id', '--dry-run'], ownEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('malformed --constraint "h100;id"');
  });
});
