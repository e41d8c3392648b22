// The build's parse of the shipped template renders byte for byte what parsing at run time renders, and is used only
// for the exact text it was made from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mustache from 'mustache';
import { describe, expect, it } from 'vitest';
import { planJobView, type JobRequest } from '../../../src/job/plan.js';
import { loadTemplate } from '../../../src/templates/load.js';
import { PREBUILT_FILE, usePrebuiltParse } from '../../../src/templates/prebuilt.js';
import { rememberParsedTemplate, renderTemplate } from '../../../src/templates/render.js';
import { hostileValues } from '../../support/hostile-gen.js';
import { JOB } from '../../support/templates.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

const request = (command: string[]): JobRequest => ({
  jobName: 'qsc',
  partition: 'gengpu',
  account: 'p1',
  time: '01:00:00',
  mem: undefined,
  cpus: 4,
  gpus: 1,
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
  command,
});

function dirWith(prebuilt: Record<string, { text: string; tokens: unknown[] }>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-prebuilt-'));
  writeFileSync(join(dir, PREBUILT_FILE), JSON.stringify(prebuilt));
  return pathToFileURL(`${dir}/`);
}

describe('templates parsed at build time', () => {
  it('render the shipped template exactly as a parse at run time does, hostile values included', () => {
    const views = hostileValues(40).map((value) => planJobView(request(['echo', value])));
    const parsedNow = views.map((view) => renderTemplate(JOB, view));
    // What the build writes for every file (template and partials): mustache.parse's tokens through JSON.
    for (const text of [JOB.text, ...Object.values(JOB.partials)])
      rememberParsedTemplate(text, JSON.parse(JSON.stringify(mustache.parse(text))) as unknown[]);
    expect(views.map((view) => renderTemplate(JOB, view))).toEqual(parsedNow);
  });

  it("are used for partials too, and a site's edited partial is read as it is", async () => {
    const dir = dirWith({
      'main.mustache': { text: 'a {{> _p}}', tokens: mustache.parse('a {{> _p}}') },
      '_p.mustache': { text: 'shipped {{x}}\n', tokens: mustache.parse('from the build {{x}}\n') },
    });
    const read = (texts: Record<string, string>) => async (file: string) => {
      await usePrebuiltParse(file, texts[file]!, dir);
      return texts[file]!;
    };
    const shipped = await loadTemplate(
      'main.mustache',
      read({ 'main.mustache': 'a {{> _p}}', '_p.mustache': 'shipped {{x}}\n' }),
    );
    expect(renderTemplate(shipped, { x: 'v' })).toBe('a from the build v\n');
    const edited = await loadTemplate(
      'main.mustache',
      read({ 'main.mustache': 'a {{> _p}}', '_p.mustache': 'edited {{x}}\n' }),
    );
    expect(renderTemplate(edited, { x: 'v' })).toBe('a edited v\n');
    expect(() => renderTemplate('a {{> _missing}}', {})).toThrow(
      /\{\{> _missing\}\}, which the template directory does not hold/,
    );
  });

  it('are used for the text they were made from, and only for it', async () => {
    const dir = dirWith({
      'a.mustache': { text: 'shipped {{x}}\n', tokens: mustache.parse('from the build {{x}}\n') },
    });
    await usePrebuiltParse('a.mustache', 'shipped {{x}}\n', dir);
    expect(renderTemplate('shipped {{x}}\n', { x: 'v' })).toBe('from the build v\n');
    // A site's edited template: same name, other text, parsed as it is.
    await usePrebuiltParse('a.mustache', 'edited {{x}}\n', dir);
    expect(renderTemplate('edited {{x}}\n', { x: 'v' })).toBe('edited v\n');
  });

  it('are optional: a run from source has no such file, and nothing fails', async () => {
    const empty = pathToFileURL(`${mkdtempSync(join(tmpdir(), 'qsc-prebuilt-'))}/`);
    await expect(usePrebuiltParse('apptainer.sbatch.mustache', 'x {{y}}', empty)).resolves.toBeUndefined();
    expect(renderTemplate('x {{y}}', { y: 'z' })).toBe('x z');
  });
});
