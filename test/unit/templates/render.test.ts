// Rendering fails closed and quotes every value; that bash reads the result back is checked in
// test/integration/templates/render.test.ts.
import { describe, expect, it } from 'vitest';
import { sifName } from '../../../src/image/names.js';
import { planJobView } from '../../../src/job/plan.js';
import { quoteSbatchValue, renderTemplate, sbatchValue } from '../../../src/templates/render.js';
import { DIGEST, jobRequest } from '../../support/job-request.js';
import { JOB } from '../../support/templates.js';

const request = jobRequest;

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

  it('renders the job template with every option', () => {
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
