// 200 generated hostile values in the job name, command arguments, binds and --env: every rendered script passes
// bash -n, and the container runtime receives binds, environment and arguments byte for byte.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseTaskCommands,
  validateApptainerArg,
  validateBind,
  validateEnv,
} from '../../../src/job/container-options.js';
import { planLaunch } from '../../../src/job/launch.js';
import {
  validateDependency,
  validateMailType,
  validateMailUser,
  validateSbatchArg,
  validateSlurmName,
} from '../../../src/slurm/options.js';
import { InvalidValueError } from '../../../src/errors.js';
import { sifName } from '../../../src/image/names.js';
import { planJobView, type JobRequest } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { asBindPath, asDirectiveValue, hostileValues } from '../../support/hostile-gen.js';
import { JOB } from '../../support/templates.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const VALUES = hostileValues(200);

const request = (overrides: Partial<JobRequest>): JobRequest => ({
  jobName: 'qsc',
  partition: 'short',
  account: undefined,
  time: undefined,
  mem: undefined,
  cpus: undefined,
  gpus: 0,
  gpuType: undefined,
  output: undefined,
  imageCacheDir: '/srv/qsc-cache',
  image: {
    displayRef: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
    pullRef: `docker://127.0.0.1:5000/nvidia/tensorflow@${DIGEST}`,
    digest: DIGEST,
    noHttps: true,
    authFile: undefined,
  },
  command: ['true'],
  ...overrides,
});

/** A stand-in `apptainer` that writes its argv NUL-separated, and a cache holding the SIF: rendered scripts run for real. */
function standIn() {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-hostile-'));
  mkdirSync(join(dir, 'bin'));
  const argvFile = join(dir, 'argv');
  writeFileSync(join(dir, 'bin', 'apptainer'), `#!/bin/bash\nprintf '%s\\0' "$@" > ${JSON.stringify(argvFile)}\n`);
  chmodSync(join(dir, 'bin', 'apptainer'), 0o755);
  const cacheDir = join(dir, 'cache');
  mkdirSync(cacheDir);
  writeFileSync(join(cacheDir, sifName(DIGEST)), 'not empty');
  return { dir, argvFile, cacheDir };
}

/** bash -n accepts the script rendered with value #i, or the test fails naming the value and bash's complaint. */
function expectBashAccepts(script: string, value: string, i: number): void {
  try {
    execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `value #${i} ${JSON.stringify(value.slice(0, 120))} broke the script: ${(error as { stderr: Buffer }).stderr.toString()}`,
      { cause: error },
    );
  }
}

describe('200 generated hostile values', () => {
  it('are varied: quotes, $(), backticks, newlines, globs, unicode and very long ones all occur', () => {
    const all = VALUES.join('');
    for (const piece of ["'", '"', '$(', '`', '\n', '*', '?', '[', 'ü', '日本語']) expect(all).toContain(piece);
    expect(VALUES.filter((v) => v.length > 4000).length).toBeGreaterThanOrEqual(10);
    expect(new Set(VALUES).size).toBe(200);
    expect(hostileValues(200)).toEqual(VALUES); // seeded: the same values every run
  });

  it('each in job name, command argument, bind and --env renders a script bash -n accepts', () => {
    for (const [i, value] of VALUES.entries()) {
      const script = renderTemplate(
        JOB,
        planJobView(
          request({
            jobName: asDirectiveValue(value),
            output: `${asDirectiveValue(value)}-%j.out`,
            command: ['printf', '%s', value],
            binds: [validateBind(`${asBindPath(value)}:/mnt/b${i}:ro`)],
            env: [validateEnv(`V${i}=${value}`)],
            array: '0-3',
            gpus: i % 2,
          }),
        ),
      );
      expect(script.includes('\r\n'), `value #${i}: sbatch refuses scripts with DOS line ends`).toBe(false);
      expectBashAccepts(script, value, i);
    }
  });

  it('reach the runtime byte for byte when the script runs', () => {
    const { dir, argvFile, cacheDir } = standIn();
    const binds = VALUES.slice(0, 20).map((v, i) => validateBind(`${asBindPath(v)}:/mnt/b${i}`));
    const env = VALUES.slice(0, 50).map((v, i) => validateEnv(`V${i}=${v}`));
    const command = ['printf', '%s\\0', ...VALUES];
    const script = renderTemplate(JOB, planJobView(request({ imageCacheDir: cacheDir, binds, env, command })));
    execFileSync('bash', ['-s'], {
      input: script,
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir },
      cwd: dir,
      stdio: 'pipe',
    });
    const argv = readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
    expect(argv).toEqual([
      'exec',
      ...binds.flatMap((b) => ['--bind', b]),
      join(cacheDir, sifName(DIGEST)),
      '/usr/bin/env',
      ...env.map((e) => `${e.name}=${e.value}`),
      ...command,
    ]);
  });

  it('as --commands lines: array task N hands line N to sh -c in the container, byte for byte', () => {
    const { dir, argvFile, cacheDir } = standIn();
    const lines = parseTaskCommands(
      VALUES.slice(0, 25)
        .map((v, i) => `echo ${i} ${v.replace(/\n/g, ' ')}`)
        .join('\r\n'),
      'tasks.txt',
    );
    expect(lines).toHaveLength(25);
    const script = renderTemplate(
      JOB,
      planJobView(
        request({ imageCacheDir: cacheDir, command: [], taskCommands: lines, array: `0-${lines.length - 1}` }),
      ),
    );
    expect(script).toContain('#SBATCH --array=0-24');
    for (const [task, line] of lines.entries()) {
      execFileSync('bash', ['-s'], {
        input: script,
        env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, SLURM_ARRAY_TASK_ID: String(task) },
        cwd: dir,
        stdio: 'pipe',
      });
      expect(readFileSync(argvFile, 'utf8').split('\0').slice(0, -1)).toEqual([
        'exec',
        join(cacheDir, sifName(DIGEST)),
        '/bin/sh',
        '-c',
        line,
      ]);
    }
    expect(() =>
      execFileSync('bash', ['-s'], {
        input: script,
        env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, SLURM_ARRAY_TASK_ID: '25' },
        cwd: dir,
        stdio: 'pipe',
      }),
    ).toThrow(/no command for array task 25/);
  });
});

/** A launched job (2 nodes × 2 tasks, per task) with every new flag carrying the value where it can. */
const launched = (value: string, i: number, overrides: Partial<JobRequest> = {}) =>
  request({
    launch: planLaunch({
      nodes: 2,
      ntasks: undefined,
      ntasksPerNode: i % 3 === 2 ? undefined : 2,
      launcher: i % 3 === 2 ? 'per-node' : undefined,
      mpi: i % 2 ? 'pmix' : undefined,
      stage: undefined,
      taskCommands: false,
    }),
    cpus: 1 + (i % 4),
    gpus: i % 3,
    slurm: {
      exclusive: i % 2 === 0,
      // Slurm names are letters, digits and "_.+-": the few values made only of those get through, as they are.
      qos: /^[A-Za-z0-9_.+-]+$/.test(value) ? validateSlurmName('qos', value) : undefined,
      error: `${asDirectiveValue(value)}-%j.err`,
      mailType: 'END,FAIL',
      mailUser: validateMailUser(asDirectiveValue(value).replace(/[\s"\\]/g, '') || 'x'),
      dependency: undefined,
      sbatchArgs: [validateSbatchArg(`--reservation=${asDirectiveValue(value)}`)],
    },
    apptainerArgs: [validateApptainerArg(`--overlay=${asBindPath(value)}`), '--contain'],
    distributedEnv: [{ name: 'NCCL_SOCKET_IFNAME', value: asDirectiveValue(value) }],
    pythonUserBase: i % 5 === 0 ? asBindPath(value) : undefined,
    command: ['printf', '%s', value],
    env: [validateEnv(`V${i}=${value}`)],
    ...overrides,
  });

/** Stand-ins for srun (runs the program after its options as task 0 of 1) and scontrol (one node, its address). */
function slurmStandIns(bin: string) {
  writeFileSync(
    join(bin, 'srun'),
    `#!/bin/bash\nwhile [[ $1 == -* ]]; do shift; done\nexport SLURM_PROCID=0 SLURM_LOCALID=0 SLURM_NODEID=0 SLURM_NTASKS=1 SLURM_STEP_TASKS_PER_NODE=1\nexec "$@"\n`,
  );
  writeFileSync(
    join(bin, 'scontrol'),
    `#!/bin/bash\nif [ "$2" = hostnames ]; then echo node1; else echo "NodeName=node1 Arch=x86_64 NodeAddr=10.0.0.1 NodeHostName=node1"; fi\n`,
  );
  chmodSync(join(bin, 'srun'), 0o755);
  chmodSync(join(bin, 'scontrol'), 0o755);
}

describe('200 generated hostile values in the multi-node flags', () => {
  it('each in --error, --mail-user, --sbatch-arg, --apptainer-arg, the site NCCL env and a launched command renders a script bash -n accepts', () => {
    for (const [i, value] of VALUES.entries()) {
      const script = renderTemplate(JOB, planJobView(launched(value, i)));
      expect(script.includes('\r\n'), `value #${i}`).toBe(false);
      expectBashAccepts(script, value, i);
    }
  });

  it('the validated ones (-d, --mail-type, --sbatch-arg, --apptainer-arg, --launcher; --qos unless a Slurm name) refuse them as usage errors', () => {
    for (const value of VALUES) {
      if (!/^[A-Za-z0-9_.+-]+$/.test(value)) expect(() => validateSlurmName('qos', value)).toThrow(InvalidValueError);
      for (const validate of [
        () => validateDependency(value),
        () => validateMailType(value),
        () => validateSbatchArg(value),
        () => validateApptainerArg(value),
        () =>
          planLaunch({
            nodes: 2,
            ntasks: undefined,
            ntasksPerNode: undefined,
            launcher: value,
            mpi: undefined,
            stage: undefined,
            taskCommands: false,
          }),
      ])
        expect(validate, JSON.stringify(value.slice(0, 80)) + String(validate)).toThrow(InvalidValueError);
    }
  });

  it('reach the runtime byte for byte through srun and the task wrapper, with the task numbers forced', () => {
    const { dir, argvFile, cacheDir } = standIn();
    slurmStandIns(join(dir, 'bin'));
    writeFileSync(
      join(dir, 'bin', 'apptainer'),
      `#!/bin/bash\nprintf '%s\\0' "$@" > ${JSON.stringify(argvFile)}\nenv | grep '^APPTAINERENV_' | sort > ${JSON.stringify(`${argvFile}.env`)}\n`,
    );
    const apptainerArgs = VALUES.slice(0, 30).map((v) => validateApptainerArg(`--overlay=${asBindPath(v)}`));
    const env = VALUES.slice(0, 50).map((v, i) => validateEnv(`V${i}=${v}`));
    const command = ['printf', '%s\\0', ...VALUES];
    const script = renderTemplate(
      JOB,
      planJobView(
        launched('x', 0, { imageCacheDir: cacheDir, apptainerArgs, env, command, gpus: 0, pythonUserBase: undefined }),
      ),
    );
    execFileSync('bash', ['-s'], {
      input: script,
      env: {
        PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
        HOME: dir,
        SLURM_JOB_ID: '4600',
        SLURM_JOB_NODELIST: 'node1',
        SLURM_JOB_NUM_NODES: '1',
        SLURM_NTASKS: '1',
      },
      cwd: dir,
      stdio: 'pipe',
    });
    const argv = readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
    expect(argv).toEqual([
      'exec',
      ...apptainerArgs,
      join(cacheDir, sifName(DIGEST)),
      '/usr/bin/env',
      ...env.map((e) => `${e.name}=${e.value}`),
      ...command,
    ]);
    expect(readFileSync(`${argvFile}.env`, 'utf8').split('\n').filter(Boolean)).toEqual([
      'APPTAINERENV_LOCAL_RANK=0',
      'APPTAINERENV_LOCAL_WORLD_SIZE=1',
      'APPTAINERENV_MASTER_ADDR=10.0.0.1',
      'APPTAINERENV_MASTER_PORT=61064',
      'APPTAINERENV_NCCL_SOCKET_IFNAME=x',
      'APPTAINERENV_NNODES=1',
      'APPTAINERENV_NODE_RANK=0',
      'APPTAINERENV_PYTHONNOUSERSITE=1',
      'APPTAINERENV_RANK=0',
      'APPTAINERENV_WORLD_SIZE=1',
    ]);
  });
});
