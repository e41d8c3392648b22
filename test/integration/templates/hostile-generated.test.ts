// 200 generated hostile values in the job name, command arguments, binds and --env: every rendered script passes
// bash -n, and the container runtime receives binds, environment and arguments byte for byte.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTaskCommands, validateBind, validateEnv } from '../../../src/job/container-options.js';
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
      try {
        execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' });
      } catch (error) {
        throw new Error(
          `value #${i} ${JSON.stringify(value.slice(0, 120))} broke the script: ${(error as { stderr: Buffer }).stderr.toString()}`,
          { cause: error },
        );
      }
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
