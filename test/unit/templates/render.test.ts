// Rendering fails closed and quotes every value: hostile values give scripts that bash accepts and that pass
// the command to the container runtime byte for byte.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sifName } from '../../../src/image/names.js';
import { planJobView, type JobRequest } from '../../../src/job/plan.js';
import { quoteSbatchValue, renderTemplate, sbatchValue } from '../../../src/templates/render.js';
import { HOSTILE_DIRECTIVE_VALUES, HOSTILE_WORDS } from '../../support/hostile.js';
import { JOB, PULL } from '../../support/templates.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  jobName: 'qsc-tensorflow',
  partition: 'gengpu',
  account: undefined,
  time: undefined,
  mem: undefined,
  cpus: undefined,
  gpus: 1,
  gpuType: undefined,
  output: undefined,
  imageCacheDir: '/srv/qsc-cache',
  image: {
    displayRef: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
    pullRef: `docker://127.0.0.1:5000/nvidia/tensorflow@${DIGEST}`,
    digest: DIGEST,
    noHttps: true,
    authFile: '/home/hpcuser/.config/qsub-container/auth.json',
  },
  command: ['python', 'train.py'],
  ...overrides,
});

const bashAccepts = (script: string) => {
  execFileSync('bash', ['-n'], { input: script });
  return true;
};

describe('renderTemplate', () => {
  it('refuses a template that uses a name the view lacks', () => {
    expect(() => renderTemplate('echo {{missing}}', {})).toThrow(/"missing" is missing/);
  });

  it('refuses unescaped output', () => {
    expect(() => renderTemplate('echo {{{x}}}', { x: 'a' })).toThrow(/unescaped/);
    expect(() => renderTemplate('echo {{&x}}', { x: 'a' })).toThrow(/unescaped/);
  });

  it('refuses an empty value outside a section that guards it', () => {
    expect(() => renderTemplate('echo {{x}}', { x: null })).toThrow(/"x" is empty/);
    expect(renderTemplate('{{#x}}echo {{x}}{{/x}}', { x: null })).toBe('');
  });

  it('shell-quotes values instead of HTML-escaping them', () => {
    expect(renderTemplate('echo {{x}}', { x: `<a href="x">it's</a>` })).toBe(`echo '<a href="x">it'\\''s</a>'`);
  });

  it('quotes #SBATCH values for sbatch, and refuses newlines there', () => {
    expect(renderTemplate('#SBATCH --job-name={{n}}', { n: sbatchValue('my job "1" #x') })).toBe(
      '#SBATCH --job-name="my job \\"1\\" #x"',
    );
    expect(() => quoteSbatchValue('a\n#!/bin/sh rm -rf ~')).toThrow(/control character/);
  });

  it('renders the job template with every option as a script bash accepts', () => {
    const script = renderTemplate(
      JOB,
      planJobView(
        request({
          account: 'p12345',
          time: '04:00:00',
          mem: '32G',
          cpus: 4,
          gpus: 2,
          gpuType: 'h100',
          output: 'logs/%x-%j.out',
        }),
      ),
    );
    expect(script).toContain('#SBATCH --gres=gpu:h100:2');
    expect(script).toContain('#SBATCH --account=p12345');
    expect(script).toContain(`sif="$cache_dir"/${sifName(DIGEST)}`);
    expect(script).toContain('exec "$runtime" exec --nv "$sif" python train.py');
    expect(script).not.toMatch(/&#|&quot;|&amp;/);
    expect(bashAccepts(script)).toBe(true);
  });

  it('writes --constraint as an #SBATCH value (sbatch quoting), and nothing without one', () => {
    const line = (constraint: string | undefined) =>
      renderTemplate(JOB, planJobView(request({ constraint })))
        .split('\n')
        .filter((l) => l.startsWith('#SBATCH --constraint'));
    expect(line('h100')).toEqual(['#SBATCH --constraint=h100']);
    expect(line('[quest8|quest9]&rhel8')).toEqual(['#SBATCH --constraint="[quest8|quest9]&rhel8"']);
    expect(line(undefined)).toEqual([]);
  });

  it('keeps #SBATCH lines together at the top, before the first command', () => {
    const lines = renderTemplate(JOB, planJobView(request({ account: 'a', time: '10' }))).split('\n');
    const lastDirective = lines.findLastIndex((l) => l.startsWith('#SBATCH'));
    const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    expect(lastDirective).toBeLessThan(firstCommand);
  });
});

describe('hostile values', () => {
  it.each(HOSTILE_DIRECTIVE_VALUES.map((v) => [v]))('job name and output %j keep the script valid', (value) => {
    const script = renderTemplate(JOB, planJobView(request({ jobName: value, output: value, constraint: value })));
    expect(bashAccepts(script)).toBe(true);
  });

  it('passes every hostile command argument to the container runtime byte for byte', () => {
    // A stand-in `apptainer` that writes its argv NUL-separated: the rendered script runs for real under bash.
    const dir = mkdtempSync(join(tmpdir(), 'qsc-render-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const argvFile = join(dir, 'argv');
    writeFileSync(join(bin, 'apptainer'), `#!/bin/bash\nprintf '%s\\0' "$@" > ${JSON.stringify(argvFile)}\n`);
    chmodSync(join(bin, 'apptainer'), 0o755);
    const cacheDir = join(dir, "cache dir with 'quotes' and $(x)");
    mkdirSync(cacheDir);
    writeFileSync(join(cacheDir, sifName(DIGEST)), 'not empty');
    const command = ['printf', '%s\\n', ...HOSTILE_WORDS];
    const script = renderTemplate(JOB, planJobView(request({ imageCacheDir: cacheDir, command })));
    execFileSync('bash', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir }, cwd: dir, stdio: 'pipe' });
    const argv = readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
    expect(argv).toEqual(['exec', '--nv', join(cacheDir, sifName(DIGEST)), ...command]);
  });
});
