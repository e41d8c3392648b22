// app/submit.ts decides on recorded Slurm answers (test/fixtures/slurm) and the recorded registry: what is probed,
// chosen, checked, pulled and submitted, for a dry run and for each way an image reaches the cache, and each refusal.
import { describe, expect, it } from 'vitest';
import { selectionRequest } from '../../../src/app/selection.js';
import { submit, type SubmitRequest } from '../../../src/app/submit.js';
import { inFlagWords } from '../../../src/cli/flag-words.js';
import { ExitCode, UnmetNeedError } from '../../../src/errors.js';
import { sifName } from '../../../src/image/names.js';
import { findFramework } from '../../../src/ngc/frameworks.js';
import { SBATCH_ARGV } from '../../../src/slurm/sbatch.js';
import type { PullMode } from '../../../src/job/pull-mode.js';
import { RECORDED_CACHE, testDeps, testSettings } from '../../support/app-deps.js';
import { fakeRegistry } from '../../support/fake-registry.js';
import { recorded, type Exchange } from '../../support/fake-runner.js';

const TF_25_02 = fakeRegistry().digestOf('nvidia/tensorflow', '25.02-tf2-py3');
const PROBE_GENGPU = [
  'sinfo-partition-gengpu',
  'sinfo-nodes-gengpu',
  'srun-cpu-probe-gengpu-gpu01',
  'srun-probe-gengpu-gpu01',
].map(recorded);
const NO_SELECTION = { policy: undefined, release: undefined, cuda: undefined, variant: undefined, python: undefined };

function request(overrides: Partial<SubmitRequest> = {}, site: Record<string, unknown> = {}): SubmitRequest {
  const settings = testSettings({ cacheDir: RECORDED_CACHE, ...site });
  return {
    settings,
    target: { kind: 'framework', framework: findFramework('tensorflow')! },
    tag: undefined,
    force: false,
    selection: selectionRequest(NO_SELECTION, settings),
    partition: 'gengpu',
    gpus: 1,
    gpuType: undefined,
    constraint: undefined,
    driver: undefined,
    refresh: false,
    pullMode: 'job',
    job: { jobName: undefined, mem: undefined, cpus: undefined, output: undefined, command: ['python', 'train.py'] },
    dryRun: false,
    ...overrides,
  };
}

const argvs = (deps: ReturnType<typeof testDeps>) => deps.runner.calls.map((c) => c.argv);
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('not refused'),
    (error: unknown) => error,
  );

describe('submit, multi-node', () => {
  it('a dry run with -N 2 renders the srun launch, the guard on every node and the #SBATCH shape', async () => {
    const { planLaunch } = await import('../../../src/job/launch.js');
    const deps = testDeps([]);
    const base = request();
    const result = await submit(
      deps,
      request({
        dryRun: true,
        driver: '580.159.04',
        job: {
          ...base.job,
          launch: planLaunch({
            nodes: 2,
            ntasks: undefined,
            ntasksPerNode: undefined,
            launcher: undefined,
            mpi: undefined,
            stage: undefined,
            taskCommands: false,
          }),
        },
      }),
    );
    expect(result.submitted).toBe(false);
    expect(result.summary.launcher).toBe('per-task');
    const script = result.submitted ? '' : result.script;
    expect(script).toContain('#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n');
    expect(script).toContain('bash -c "$(declare -f say check_node_driver); check_node_driver" qsc-guard');
    expect(script).toContain(
      'srun --kill-on-bad-exit=1 --nodes="$SLURM_JOB_NUM_NODES" --ntasks="$SLURM_NTASKS" --cpus-per-task=1',
    );
    expect(argvs(deps)).toEqual([]);
  });

  it('a --dependency of "?" (any of) cannot join a pull job\'s afterok: refused before anything is queued', async () => {
    const deps = testDeps([]);
    const base = request();
    const error = await refusal(
      submit(
        deps,
        request(
          {
            pullMode: 'slurm',
            driver: '580.159.04',
            job: {
              ...base.job,
              slurm: {
                exclusive: false,
                qos: undefined,
                error: undefined,
                mailType: undefined,
                mailUser: undefined,
                dependency: 'afterok:1?afterok:2',
                sbatchArgs: [],
              },
            },
          },
          { warm: { pullPartition: 'short' } },
        ),
      ),
    );
    expect(error).toMatchObject({ exitCode: ExitCode.usage, message: expect.stringMatching(/"\?" \(any of\)/) });
    expect(argvs(deps)).toEqual([]);
  });
});

describe('submit, dry run', () => {
  it('probes the partition, picks the newest image its driver runs, and renders the script without queueing it', async () => {
    const deps = testDeps(PROBE_GENGPU);
    const result = await submit(deps, request({ dryRun: true }));
    expect(result.submitted).toBe(false);
    expect(result.summary).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
      digest: TF_25_02,
      driver: { version: '580.159.04', source: 'gpu-probe' },
      guardMinDriver: '570.86.10',
      pullMode: 'job',
      launcher: 'none',
    });
    expect(argvs(deps)).toEqual(PROBE_GENGPU.map((e) => e.argv));
    expect(!result.submitted && result.script).toContain(`image_digest=${TF_25_02}`);
    // The runtime guard's advice names the framework (shell-quoted like every rendered value), not "<framework>".
    expect(!result.submitted && result.script).toContain('  local framework=tensorflow\n');
    expect(!result.submitted && result.script).toContain('(qsub-container tags $framework --driver $node_driver)');
  });

  it('with --driver, asks Slurm nothing; the second run takes the driver from the probe cache', async () => {
    const given = testDeps([]);
    const result = await submit(given, request({ dryRun: true, driver: '525.105.17' }));
    expect(result.summary).toMatchObject({ image: '127.0.0.1:5000/nvidia/tensorflow:23.01-tf2-py3' });
    expect(result.summary.driver).toEqual({ version: '525.105.17', source: 'flag' });
    expect(given.runner.calls).toEqual([]);

    const first = testDeps(PROBE_GENGPU);
    await submit(first, request({ dryRun: true }));
    const again = testDeps([], { home: first.stateCacheDir.replace(/\/\.cache\/qsub-container$/, '') });
    expect((await submit(again, request({ dryRun: true }))).summary.driver).toEqual({
      version: '580.159.04',
      source: 'cache',
    });
  });
});

describe('submit, the image on its way to the cache', () => {
  it('cached: the cache check itself submits the job (one call, the script on its stdin)', async () => {
    const deps = testDeps([...PROBE_GENGPU, recorded('check-cached-cached-submitted')]);
    const result = await submit(deps, request({ pullMode: 'slurm' }, { warm: { pullPartition: 'short' } }));
    expect(result).toMatchObject({
      submitted: true,
      jobId: recorded('check-cached-cached-submitted').stdout.split('\n')[1],
    });
    expect(result.submitted && result.prepared.pull).toBe('cached');
    const check = deps.runner.calls.at(-1)!;
    expect(check.argv.slice(3)).toEqual([
      'sh',
      RECORDED_CACHE,
      sifName(TF_25_02),
      expect.any(String),
      'cached',
      ...SBATCH_ARGV,
    ]);
    expect(check.stdin).toContain(`image_digest=${TF_25_02}`);
  });

  it('not cached, pulled in the job: submitted by the check as well', async () => {
    const deps = testDeps([...PROBE_GENGPU, recorded('check-cached-missing-submitted')]);
    const result = await submit(deps, request({ pullMode: 'job' }));
    expect(result.submitted && result.prepared).toMatchObject({ pull: 'in-job' });
    expect(deps.runner.calls.at(-1)!.argv[7]).toBe('always');
  });

  it('not cached, pulled by a CPU job: the job waits for it (afterok); a second submission shares it', async () => {
    const site = { warm: { pullPartition: 'short' } };
    const pullJob = recorded('pull-job-submitted').stdout.match(/\d+/)![0];
    const chained = recorded('sbatch-dependency');
    expect(chained.argv).toContain(`--dependency=afterok:${pullJob}`);
    const deps = testDeps([...PROBE_GENGPU, recorded('check-cached-missing'), recorded('pull-job-submitted'), chained]);
    const result = await submit(deps, request({ pullMode: 'slurm' }, site));
    expect(result.submitted && result.prepared).toEqual({ pull: 'pull-job', pullJob: { id: pullJob, shared: false } });
    expect(result).toMatchObject({ jobId: chained.stdout.trim() });
    expect(deps.notes).toContain(
      `qsub-container: submitted pull job ${pullJob} on short for 127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3`,
    );
    // The pull job's script is the pull block alone, for the pull partition.
    const pullScript = deps.runner.calls.find((c) => c.argv.includes(`qsc-pull-${TF_25_02.slice(7)}`))!.stdin!;
    expect(pullScript).toContain('#SBATCH --partition=short');
    expect(pullScript).not.toContain('--gres');

    const next = testDeps([...PROBE_GENGPU, recorded('check-cached-missing'), recorded('pull-job-queued'), chained]);
    const shared = await submit(next, request({ pullMode: 'slurm' }, site));
    expect(shared.submitted && shared.prepared.pullJob).toEqual({ id: pullJob, shared: true });
  });

  it('not cached, pulled here first: the pull block runs with bash, then sbatch', async () => {
    const deps = testDeps([
      ...PROBE_GENGPU,
      recorded('check-cached-missing'),
      recorded('bash-pull-local'),
      recorded('sbatch-parsable'),
    ]);
    const result = await submit(deps, request({ pullMode: 'local' }));
    expect(result.submitted && result.prepared.pull).toBe('pulled-here');
    expect(argvs(deps).slice(-2)).toEqual([['bash', '-s'], [...SBATCH_ARGV]]);
    expect(deps.runner.calls.at(-2)!.stdin).toMatch(/^exit 0$/m);
  });

  it('a damaged cached file is quarantined, said, and pulled again', async () => {
    const deps = testDeps([
      ...PROBE_GENGPU,
      recorded('check-cached-quarantined'),
      recorded('pull-job-submitted'),
      recorded('sbatch-dependency'),
    ]);
    const result = await submit(deps, request({ pullMode: 'slurm' }, { warm: { pullPartition: 'short' } }));
    expect(result.submitted && result.prepared.quarantined).toMatch(/quarantine\/sha256-.*\.sif\.\d+$/);
    expect(deps.notes[0]).toMatch(/was damaged \(no SIF header\); moved to .*, pulling it again$/);
  });
});

describe('submit, refused', () => {
  it.each<[string, string[], number, RegExp]>([
    ['the partition has no GPUs', ['sinfo-partition-short'], ExitCode.noGpu, /partition short has no GPUs/],
    [
      'the partition does not exist',
      ['sinfo-partition-nosuch', 'sinfo-list'],
      ExitCode.unknownPartition,
      /"nosuch" does not exist/,
    ],
    [
      "the node's driver is broken",
      [
        'sinfo-partition-gpu-broken',
        'sinfo-nodes-gpu-broken',
        'srun-cpu-probe-gpu-broken-gpu01',
        'srun-probe-gpu-broken-gpu01',
      ],
      ExitCode.data,
      /nvidia-smi on gpu-broken \(node gpu01\) failed/,
    ],
  ])('probe: %s → exit %i, nothing queued', async (_what, fixtures, code, message) => {
    const exchanges = fixtures.map(recorded);
    const partition = exchanges[0]!.argv[3]!;
    const deps = testDeps(exchanges);
    const error = await refusal(submit(deps, request({ partition })));
    expect(error).toMatchObject({ exitCode: code, message: expect.stringMatching(message) });
    expect(argvs(deps)).toEqual(exchanges.map((e) => e.argv));
  });

  it('--pull local without a shared cache directory: a domain error the command line words with its flag (exit 78)', async () => {
    // The recorded check, asked of the default image directory (no cache directory argument).
    const missing = recorded('check-cached-missing');
    const deps = testDeps([{ ...missing, argv: missing.argv.map((arg, i) => (i === 4 ? '' : arg)) }]);
    const error = await refusal(
      submit(deps, request({ pullMode: 'local', driver: '580.159.04' }, { cacheDir: undefined })),
    );
    expect(error).toBeInstanceOf(UnmetNeedError);
    expect(error).toMatchObject({ field: 'pull', value: 'local', exitCode: ExitCode.config });
    expect(inFlagWords(error)).toMatchObject({
      exitCode: ExitCode.config,
      message: '--pull local needs a shared cache directory',
      hint: 'pass --cache-dir DIR or set "cacheDir" in the config',
    });
    expect(argvs(deps).filter((argv) => argv[0] === 'bash')).toHaveLength(0);
  });

  it.each<[PullMode, string]>([
    ['job', 'check-cached-missing-submitted'],
    ['local', 'check-cached-missing'],
    ['slurm', 'check-cached-missing'],
  ])(
    '--pull %s into a cache it cannot write: refused by the cache check itself, nothing pulled or queued',
    async (pullMode, fixture) => {
      const check = recorded(fixture);
      const denied = "unwritable mkdir: cannot create directory '/srv/qsc-cache/fixture-record': Permission denied\n";
      const deps = testDeps([{ ...check, stdout: denied }]);
      const error = await refusal(submit(deps, request({ pullMode, driver: '580.159.04' })));
      expect(error).toMatchObject({
        exitCode: ExitCode.auth,
        message: expect.stringMatching(
          /^the image cache \S+fixture-record \(from site.json\) cannot be written: permission denied/,
        ),
      });
      // One call: the check (its script is the current one, the recording's arguments), no pull, no sbatch.
      expect(argvs(deps).map((argv) => argv.slice(3))).toEqual([check.argv.slice(3)]);
    },
  );

  it('-o logs/%x-%j.out: the cache check makes logs/ before sbatch, in the same call, and refuses when it cannot', async () => {
    const output = 'logs/%x-%j.out';
    const check = recorded('check-cached-missing-submitted');
    const made = testDeps([check]);
    await submit(made, request({ driver: '580.159.04', job: { ...request().job, output } }));
    expect(made.runner.calls[0]!.argv[2]).toContain('\noutdirs=logs\n');

    const denied = testDeps([
      { ...check, stdout: "nooutdir 0 mkdir: cannot create directory 'logs': Permission denied\n", code: 0 },
    ]);
    const error = await refusal(submit(denied, request({ driver: '580.159.04', job: { ...request().job, output } })));
    expect(error).toMatchObject({
      exitCode: ExitCode.auth,
      message:
        "cannot create the job's output directory logs (for -o logs/%x-%j.out): permission denied; nothing was queued",
    });
    expect(denied.runner.calls).toHaveLength(1);
  });

  it('-o logs/%j/out: refused before anything runs, a dry run too', async () => {
    const deps = testDeps([]);
    const error = await refusal(
      submit(deps, request({ driver: '580.159.04', dryRun: true, job: { ...request().job, output: 'logs/%j/out' } })),
    );
    expect(error).toMatchObject({ exitCode: ExitCode.usage });
    expect(deps.runner.calls).toHaveLength(0);
  });

  it.each<[string, number, RegExp]>([
    ['sbatch-invalid-partition', ExitCode.unknownPartition, /invalid partition name/i],
    ['sbatch-node-configuration', ExitCode.refused, /node configuration is not available/],
  ])('sbatch: %s → exit %i', async (fixture, code, message) => {
    const refused: Exchange = recorded(fixture);
    const deps = testDeps([recorded('check-cached-missing'), recorded('bash-pull-local'), refused]);
    const error = await refusal(submit(deps, request({ pullMode: 'local', driver: '580.159.04' })));
    expect(error).toMatchObject({ exitCode: code, message: expect.stringMatching(message) });
  });
});

describe('submit, no partition named (neither -p nor a configured one)', () => {
  const PARTITIONS = recorded('sinfo-partitions'); // short* (no GPUs), gengpu, gpu-legacy, ... (the testbed's)
  /** The same answer on a cluster whose default partition is gengpu. */
  const GENGPU_DEFAULT: Exchange = {
    ...PARTITIONS,
    stdout: PARTITIONS.stdout.replace('short*', 'short').replace('gengpu|', 'gengpu*|'),
  };

  it('a CPU job asks Slurm nothing and names no partition: sbatch puts it on the default', async () => {
    const deps = testDeps([]);
    const result = await submit(deps, request({ partition: undefined, gpus: 0, dryRun: true }));
    expect(result.summary.partition).toBeNull();
    expect(!result.submitted && result.script).not.toMatch(/^#SBATCH --partition/m);
    expect(!result.submitted && result.script).not.toMatch(/^#SBATCH --gres/m);
    expect(argvs(deps)).toEqual([]);
  });

  /** sinfo calls asking about partitions (their GRES, whether they exist), not the node listing of the probe. */
  const partitionQueries = (deps: ReturnType<typeof testDeps>) =>
    argvs(deps).filter((argv) => argv[0] === 'sinfo' && !argv.includes('--Node'));

  it('a GPU job goes to the default partition when it has GPUs, with a note saying so (one sinfo for the choice)', async () => {
    // The probe does not ask again whether gengpu exists and has GPUs: the choice's sinfo has just said so.
    const probe = PROBE_GENGPU.filter((e) => e !== PROBE_GENGPU[0]);
    const deps = testDeps([GENGPU_DEFAULT, ...probe]);
    const result = await submit(deps, request({ partition: undefined, dryRun: true }));
    expect(result.summary).toMatchObject({ partition: 'gengpu', driver: { version: '580.159.04' } });
    expect(!result.submitted && result.script).toMatch(/^#SBATCH --partition=gengpu$/m);
    expect(argvs(deps)).toEqual([GENGPU_DEFAULT, ...probe].map((e) => e.argv));
    expect(partitionQueries(deps)).toEqual([GENGPU_DEFAULT.argv]);
    expect(deps.notes).toContain(
      'qsub-container: no -p and no "gpuPartition": using Slurm\'s default partition gengpu, which has GPUs',
    );
  });

  it('with a site driver map, the default partition is not asked of sinfo again either', async () => {
    const deps = testDeps([GENGPU_DEFAULT, recorded('sinfo-nodes-gengpu')]);
    const site = { driverMap: { nodes: { gpu01: '580.159.04' } } };
    const result = await submit(deps, request({ partition: undefined, dryRun: true }, site));
    expect(result.summary).toMatchObject({ partition: 'gengpu', driver: { version: '580.159.04', source: 'admin' } });
    expect(partitionQueries(deps)).toEqual([GENGPU_DEFAULT.argv]);
  });

  it('-p naming the same partition still asks sinfo whether it exists and has GPUs', async () => {
    const deps = testDeps(PROBE_GENGPU);
    await submit(deps, request({ partition: 'gengpu', dryRun: true }));
    expect(partitionQueries(deps)).toEqual([recorded('sinfo-partition-gengpu').argv]);
  });

  it('a GPU job whose default partition has no GPUs is refused (exit 2), naming the partitions that have them', async () => {
    const deps = testDeps([PARTITIONS]);
    const error = await refusal(submit(deps, request({ partition: undefined })));
    expect(error).toMatchObject({
      exitCode: ExitCode.usage,
      message: `--gpu without -p: no "gpuPartition" is configured, and Slurm's default partition short has no GPUs`,
      hint: 'partitions with GPUs: gengpu, gpu-legacy, gpu-broken, gpu-mixed, gpu-multi; pass -p gengpu, or set it once: {"gpuPartition": "gengpu"} in ~/.config/qsub-container/config.json (the cluster\'s, with --host)',
    });
    expect(argvs(deps)).toEqual([PARTITIONS.argv]);
  });

  it('a GPU job on a cluster with no GPU partition at all: exit 66; sinfo failing: exit 69', async () => {
    const cpuOnly: Exchange = { ...PARTITIONS, stdout: 'short*|(null)\nlong|(null)\n' };
    expect(await refusal(submit(testDeps([cpuOnly]), request({ partition: undefined })))).toMatchObject({
      exitCode: ExitCode.noGpu,
      message: 'no partition of this cluster has GPUs (no node has a gpu GRES)',
    });
    const down: Exchange = {
      ...PARTITIONS,
      code: 1,
      stdout: '',
      stderr: 'slurm_load_partitions: Unable to contact slurm controller',
    };
    expect(await refusal(submit(testDeps([down]), request({ partition: undefined })))).toMatchObject({
      exitCode: ExitCode.unavailable,
      message: 'sinfo failed: slurm_load_partitions: Unable to contact slurm controller',
    });
  });
});
