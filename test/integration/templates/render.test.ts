// Rendered job scripts under real bash: every option and hostile values give scripts that bash accepts, and the
// command reaches the container runtime byte for byte.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sifName } from '../../../src/image/names.js';
import { planJobView } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { HOSTILE_DIRECTIVE_VALUES, HOSTILE_WORDS } from '../../support/hostile.js';
import { DIGEST, jobRequest } from '../../support/job-request.js';
import { JOB } from '../../support/templates.js';

const request = jobRequest;

const bashAccepts = (script: string) => {
  execFileSync('bash', ['-n'], { input: script });
  return true;
};

describe('the rendered job template under bash', () => {
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
    expect(bashAccepts(script)).toBe(true);
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
