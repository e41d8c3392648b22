// SBATCH_* in sbatch's environment against what the user asked: honoured where nothing was given by a flag, a conflict
// refused with a sentence naming the variable and where it was read.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseConstraint } from '../../../src/slurm/feature-constraint.js';
import { readSbatchEnv, reconcileSbatchEnv, SBATCH_ENV_NAMES } from '../../../src/slurm/sbatch-env.js';
import { parseClusterSnapshot, SNAPSHOT_SCRIPT } from '../../../src/config/cluster-snapshot.js';

const none = { value: undefined, flag: undefined };
const asked = (over: Partial<Parameters<typeof reconcileSbatchEnv>[1]> = {}) => ({
  partition: { value: 'gengpu', flag: undefined },
  constraint: none,
  account: none,
  time: none,
  gres: 'gpu:1',
  ...over,
});
const env = (values: Record<string, string>) => readSbatchEnv(values, 'your environment');

function refusal(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('not refused');
}

describe('reconcileSbatchEnv', () => {
  it('without SBATCH_* the request stands', () => {
    expect(reconcileSbatchEnv(env({ HOME: '/h' }), asked())).toEqual({
      partition: 'gengpu',
      constraint: undefined,
      notes: [],
    });
  });

  it('SBATCH_PARTITION wins over the configured partition (sbatch would use it), with a note', () => {
    const choice = reconcileSbatchEnv(env({ SBATCH_PARTITION: 'gpu-legacy' }), asked());
    expect(choice.partition).toBe('gpu-legacy');
    expect(choice.notes).toEqual([
      'qsub-container: partition gpu-legacy from SBATCH_PARTITION (sbatch would use it over gengpu)',
    ]);
    expect(reconcileSbatchEnv(env({ SBATCH_PARTITION: 'short' }), asked({ partition: none })).partition).toBe('short');
  });

  it('SBATCH_PARTITION against -p: refused, naming both and the fix', () => {
    const error = refusal(() =>
      reconcileSbatchEnv(
        env({ SBATCH_PARTITION: 'gpu-legacy' }),
        asked({ partition: { value: 'gengpu', flag: '-p' } }),
      ),
    );
    expect(error.message).toBe(
      "SBATCH_PARTITION=gpu-legacy in your environment overrides the job's partition gengpu (-p), so sbatch would not run the job the image was chosen for",
    );
    expect(error.hint).toBe('unset SBATCH_PARTITION, or pass -p gpu-legacy');
    // The same value as the flag is no conflict.
    expect(
      reconcileSbatchEnv(env({ SBATCH_PARTITION: 'gengpu' }), asked({ partition: { value: 'gengpu', flag: '-p' } })),
    ).toMatchObject({ partition: 'gengpu', notes: [] });
  });

  it('SBATCH_CONSTRAINT is the constraint selection uses when -C is not given; against -C it is refused', () => {
    expect(reconcileSbatchEnv(env({ SBATCH_CONSTRAINT: 'v100' }), asked()).constraint?.text).toBe('v100');
    const error = refusal(() =>
      reconcileSbatchEnv(
        env({ SBATCH_CONSTRAINT: 'v100' }),
        asked({ constraint: { value: parseConstraint('h100'), flag: '--constraint' } }),
      ),
    );
    expect(error.message).toContain("SBATCH_CONSTRAINT=v100 in your environment overrides the job's constraint h100");
    expect(error.hint).toBe("unset SBATCH_CONSTRAINT, or pass --constraint 'v100'");
    expect(refusal(() => reconcileSbatchEnv(env({ SBATCH_CONSTRAINT: 'a b' }), asked())).message).toBe(
      'SBATCH_CONSTRAINT=a b in your environment is not a constraint sbatch takes',
    );
  });

  it("SBATCH_GRES other than the job's own, GPUs asked besides it, another cluster: refused", () => {
    expect(reconcileSbatchEnv(env({ SBATCH_GRES: 'gpu:1' }), asked()).partition).toBe('gengpu');
    for (const values of [
      { SBATCH_GRES: 'gpu:v100:1' } as Record<string, string>,
      { SBATCH_GRES: 'scratch:10' },
      { SBATCH_GPUS: '2' },
      { SBATCH_GPUS_PER_NODE: 'h100:1' },
      { SLURM_CLUSTERS: 'other' },
    ]) {
      const error = refusal(() => reconcileSbatchEnv(env(values), asked()));
      const [name, value] = Object.entries(values)[0]!;
      expect(error.message).toMatch(new RegExp(`^${name}=${value} in your environment overrides the job's `));
      expect(error.hint).toContain(`unset ${name}`);
    }
    // A CPU job asks for no GRES: any SBATCH_GRES would give it some.
    expect(
      refusal(() => reconcileSbatchEnv(env({ SBATCH_GRES: 'gpu:1' }), asked({ gres: undefined }))).message,
    ).toContain('GRES (it asks for none)');
  });

  it('SBATCH_ACCOUNT / SBATCH_TIMELIMIT against -A / -t are refused; alone they are settings already', () => {
    expect(
      refusal(() => reconcileSbatchEnv(env({ SBATCH_ACCOUNT: 'p2' }), asked({ account: { value: 'p1', flag: '-A' } })))
        .hint,
    ).toBe('unset SBATCH_ACCOUNT, or pass -A p2');
    expect(
      reconcileSbatchEnv(env({ SBATCH_ACCOUNT: 'p2' }), asked({ account: { value: 'p2', flag: undefined } })),
    ).toMatchObject({ notes: [] });
    expect(
      refusal(() =>
        reconcileSbatchEnv(env({ SBATCH_TIMELIMIT: '10' }), asked({ time: { value: '04:00:00', flag: '-t' } })),
      ).message,
    ).toContain('time limit 04:00:00 (-t)');
  });

  it('names the cluster side when --host read the variables there', () => {
    const remote = readSbatchEnv({ SBATCH_PARTITION: 'x' }, 'the environment of ssh:login1');
    const error = refusal(() => reconcileSbatchEnv(remote, asked({ partition: { value: 'y', flag: '-p' } })));
    expect(error.message).toContain('SBATCH_PARTITION=x in the environment of ssh:login1 overrides');
  });
});

it("the cluster side's snapshot reads every SBATCH_* variable that decides", () => {
  for (const name of SBATCH_ENV_NAMES) expect(SNAPSHOT_SCRIPT).toContain(` ${name}`);
  expect(parseClusterSnapshot('env:SBATCH_CONSTRAINT=v100\0').env).toEqual({ SBATCH_CONSTRAINT: 'v100' });
});
