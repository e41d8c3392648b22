// Cache names, sizes and ages, the cache/warm config sections, and reading squeue answers (pure).
import { describe, expect, it } from 'vitest';
import { digestInScript, parseSqueue } from '../../../src/cache/in-use.js';
import {
  parsePartialName,
  parseSidecar,
  refOfTagLink,
  sidecarHead,
  tagLinkPath,
  tagLinkTarget,
} from '../../../src/cache/layout.js';
import { digestOfSif, sidecarName, sifName } from '../../../src/image/names.js';
import { formatSize, parseAge, parseSize } from '../../../src/cache/units.js';
import { resolveSettings } from '../../../src/config/resolve.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('cache layout', () => {
  it('names files by digest', () => {
    expect(sifName(D)).toBe(`sha256-${'ab'.repeat(32)}.sif`);
    expect(sidecarName(D)).toBe(`sha256-${'ab'.repeat(32)}.json`);
    expect(digestOfSif(sifName(D))).toBe(D);
    expect(digestOfSif(`${sifName(D)}.lock`)).toBeUndefined();
    expect(() => sifName('sha256:xyz')).toThrow();
    expect(parsePartialName(`${sifName(D)}.partial.gpu01.4242`)).toEqual({ digest: D, host: 'gpu01', pid: 4242 });
  });

  it.each(['nvcr.io/nvidia/pytorch:24.10-py3', '127.0.0.1:5000/e2e/warm-1/tensorflow:25.02-tf2-py3', 'host/r:latest'])(
    'links %s and reads it back',
    (ref) => {
      const path = tagLinkPath(ref);
      expect(refOfTagLink(path)).toBe(ref);
      // The relative target climbs exactly to the cache dir.
      const depth = path.split('/').length - 1;
      expect(tagLinkTarget(ref, D)).toBe(`${'../'.repeat(depth)}${sifName(D)}`);
    },
  );

  it.each(['nvcr.io/../etc:x', 'nvcr.io/a//b:x', 'notag', 'nvcr.io/./a:x'])(
    'refuses the unsafe reference %s',
    (ref) => {
      expect(() => tagLinkPath(ref)).toThrow();
    },
  );

  it('writes a sidecar head the job completes into valid JSON', () => {
    const head = sidecarHead(D, 'nvcr.io/nvidia/pytorch:24.10-py3', '12.6.2.004', undefined);
    const completed = `${head},"size":10,"pulledAt":"2026-11-27T00:00:00Z","pulledBy":"u@h"}`;
    expect(parseSidecar(completed)).toMatchObject({
      digest: D,
      cudaVersion: '12.6.2.004',
      cudaDriverVersion: null,
      size: 10,
    });
    expect(parseSidecar('{"torn":')).toBeUndefined();
  });
});

describe('sizes and ages', () => {
  it.each([
    ['500G', 500 * 2 ** 30],
    ['1.5T', 1.5 * 2 ** 40],
    ['800MiB', 800 * 2 ** 20],
    ['1024', 1024],
    ['0', 0],
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  it.each(['', 'lots', '-1G', '5X'])('refuses size %j', (text) => expect(parseSize(text)).toBeUndefined());
  it('parses ages', () => {
    expect(parseAge('30d')).toBe(30 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('30')).toBeUndefined();
  });
  it('formats sizes like df -h', () => {
    expect(formatSize(1089536)).toBe('1.0M');
    expect(formatSize(12 * 2 ** 30)).toBe('12G');
  });
});

describe('cache and warm settings', () => {
  const resolve = (values: unknown, more: unknown[] = []) =>
    resolveSettings(
      [{ source: 'site.json', values }, ...more.map((v) => ({ source: 'user.json', values: v }))],
      '/cfg',
    );

  it('reads a Quest-like site config', () => {
    const { settings, errors } = resolve({
      cacheDir: '/projects/p1/containers',
      cache: {
        maxSize: '2T',
        olderThan: '60d',
        pins: ['nvcr.io/nvidia/pytorch:24.10-py3'],
        group: 'p1',
        apptainerTmpDir: '/scratch/tmp',
      },
      warm: {
        schedule: '17 */6 * * *',
        targets: [{ framework: 'pytorch', partitions: ['gengpu'] }, { image: 'nvcr.io/nvidia/jax:25.01-py3' }],
      },
    });
    expect(errors).toEqual([]);
    expect(settings.cache).toMatchObject({
      maxSizeBytes: 2 * 2 ** 40,
      olderThanMs: 60 * 86_400_000,
      group: 'p1',
      apptainerTmpDir: '/scratch/tmp',
    });
    expect(settings.warm.targets).toEqual([
      {
        kind: 'framework',
        framework: 'pytorch',
        partitions: ['gengpu'],
        repository: undefined,
        policy: undefined,
        variant: undefined,
        python: undefined,
      },
      { kind: 'image', image: 'nvcr.io/nvidia/jax:25.01-py3' },
    ]);
  });

  it("reads a framework target's policy, variant and python, as submit's flags would say them", () => {
    const target = {
      framework: 'tensorflow',
      partitions: ['gpu-legacy'],
      policy: 'minor-compat',
      variant: 'tf1',
      python: 3,
    };
    const { settings, errors } = resolve({ warm: { targets: [target] } });
    expect(errors).toEqual([]);
    expect(settings.warm.targets).toEqual([
      {
        kind: 'framework',
        framework: 'tensorflow',
        partitions: ['gpu-legacy'],
        repository: undefined,
        policy: 'minor-compat',
        variant: 'tf1',
        python: '3',
      },
    ]);
  });

  it.each([
    [
      { framework: 'pytorch', partitions: ['gengpu'], polcy: 'native' },
      '[0] has unknown key "polcy": must be {"framework": NAME, "partitions": [PARTITION, ...], "repository"?: PATH, "policy"?: POLICY, "variant"?: VARIANT, "python"?: 3} or {"image": REF}',
    ],
    [
      { framework: 'pytorch', partitions: ['gengpu'], policy: 'newest' },
      '[0] "policy" must be one of native, minor-compat, forward-compat',
    ],
    [
      { framework: 'pytorch', partitions: ['gengpu'], variant: 'tf 1' },
      '[0] "variant" must be a tag variant such as tf1, tf2, igpu, sdk',
    ],
    [
      { framework: 'pytorch', partitions: ['gengpu'], python: '3.11' },
      '[0] "python" must be 3 (or 2): NGC tags name only the Python major',
    ],
    [
      { framework: 'pytorch', partitions: ['gengpu'], repository: 7 },
      '[0] "repository" must be a repository path such as nvidia/pytorch',
    ],
    [
      { image: 'a/b:c', policy: 'minor-compat' },
      '[0] must be {"framework": NAME, "partitions": [PARTITION, ...], "repository"?: PATH, "policy"?: POLICY, "variant"?: VARIANT, "python"?: 3} or {"image": REF}',
    ],
  ])('refuses a malformed warm target %j in one line', (target, problem) => {
    expect(resolve({ warm: { targets: [target] } }).errors).toEqual([`site.json: "warm.targets" ${problem}`]);
  });

  it('merges sections key by key: a user file changes one warm setting and keeps the site targets', () => {
    const { settings } = resolve({ warm: { targets: [{ image: 'a/b:c' }], parallelism: 4 } }, [
      { warm: { parallelism: 1 } },
    ]);
    expect(settings.warm.parallelism).toBe(1);
    expect(settings.warm.targets).toHaveLength(1);
  });

  it('reports every problem at once', () => {
    const { errors } = resolve({
      cache: { maxSize: 'lots', pinz: [], apptainerTmpDir: 'tmp' },
      warm: { schedule: 'often', pullOn: 'slurm', parallelism: 0, targets: [{ framework: 'pytorch' }] },
    });
    expect(errors).toEqual([
      'site.json: "cache.maxSize" must be a size such as "500G"',
      'site.json: unknown setting "cache.pinz" (known: maxSize, olderThan, pins, group, trustedUsers, minFree, apptainerTmpDir, apptainerCacheDir, lockWaitSeconds, allowRoot, staleLockSeconds)',
      'site.json: "cache.apptainerTmpDir" must be an absolute path',
      'site.json: "warm.schedule" must be a cron expression of 5 or 6 fields, e.g. "17 */6 * * *"',
      'site.json: "warm.parallelism" must be an integer ≥ 1',
      'site.json: "warm.targets" [0] must be {"framework": NAME, "partitions": [PARTITION, ...], "repository"?: PATH, "policy"?: POLICY, "variant"?: VARIANT, "python"?: 3} or {"image": REF}',
      '"warm.pullOn" is "slurm" but "warm.pullPartition" names no partition',
    ]);
  });
});

describe('images jobs need', () => {
  it('reads the qsub-container comment from squeue', () => {
    const jobs = parseSqueue(`101|alice|qsc-image=${D}\n102|bob|(null)\n103|carol|mine|qsc-image=${D}\n\n`);
    expect(jobs).toEqual([
      { id: '101', user: 'alice', digest: D },
      { id: '102', user: 'bob', digest: undefined },
      { id: '103', user: 'carol', digest: D },
    ]);
  });
  it('reads the digest from a rendered job script', () => {
    expect(digestInScript(`set -e\nimage_ref='x'\nimage_digest='${D}'\n`)).toBe(D);
    expect(digestInScript('echo hello')).toBeUndefined();
  });
});

describe('shipped site configs', () => {
  it.each(['quest.json', 'generic-slurm.json'])('deploy/site/%s resolves without problems', async (name) => {
    const { readFileSync } = await import('node:fs');
    const values = JSON.parse(readFileSync(new URL(`../../../deploy/site/${name}`, import.meta.url), 'utf8'));
    const { settings, errors } = resolveSettings([{ source: name, values }], '/cfg');
    expect(errors).toEqual([]);
    expect(settings.warm.targets.length).toBeGreaterThan(0);
  });
});
