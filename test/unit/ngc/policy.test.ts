// Selection policies, constraints and the offline seed, at their edges: equal versions, 2- vs 3-part, N/A, unknowns.
import { describe, expect, it } from 'vitest';
import { classifyGpu } from '../../../src/ngc/gpu-class.js';
import {
  driverRequirement,
  forwardCompatBranchFor,
  minorCompatFloor,
  parseForwardCompatBranch,
} from '../../../src/ngc/compat.js';
import {
  cudaFits,
  matchingTags,
  NO_CONSTRAINTS,
  validateConstraints,
  type Constraints,
} from '../../../src/ngc/constraints.js';
import { findFramework } from '../../../src/ngc/frameworks.js';
import { NGC_RELEASES } from '../../../src/ngc/ngc-releases.js';
import { seedCandidates } from '../../../src/ngc/seed.js';
import { judge, PTX_JIT_WARNING, selectTag, type Candidate } from '../../../src/ngc/select.js';

const candidate = (
  tag: string,
  cudaVersion: string | undefined,
  cudaDriverVersion?: string,
  forwardCompatBranches: string[] = [],
): Candidate => ({
  tag,
  release: tag.slice(0, 5),
  digest: undefined,
  cudaVersion,
  requirement: driverRequirement({ cudaVersion, cudaDriverVersion }),
  forwardCompatBranches,
});
const H100 = ['NVIDIA H100 80GB HBM3'];
const GEFORCE = ['NVIDIA GeForce RTX 3090'];
const PYTORCH_2406 = candidate('24.06-py3', '12.5.0.023', undefined, ['470.57', '525.85', '535.86', '545.23']);

describe('native policy edges', () => {
  it.each([
    ['equal 3-part versions', '555.42.02', true],
    ['one patch below', '555.42.01', false],
    ['2-part driver below a 3-part minimum', '555.42', false],
    ['newer major', '560.28.03', true],
  ])('%s: driver %s → %s', (_label, driver, ok) => {
    expect(judge(PYTORCH_2406, driver).compatible).toBe(ok);
  });

  it('treats a 2-part minimum as equal to its .0 form', () => {
    const c = candidate('25.01-py3', '12.8', undefined);
    expect(c.requirement?.minDriver).toBe('570.26');
    expect(judge(c, '570.26.0').compatible).toBe(true);
    expect(judge(c, '570.25.99').compatible).toBe(false);
  });

  it('never passes an image whose CUDA is N/A or unknown', () => {
    for (const cuda of ['N/A', undefined, ''])
      expect(judge(candidate('26.03-py3', cuda), '999.99').compatible).toBe(false);
    expect(driverRequirement({ cudaVersion: '12.4.1', cudaDriverVersion: 'N/A' })).toEqual({
      minDriver: '550.54.15',
      source: 'cuda-table',
    });
  });
});

describe('minor-compat policy', () => {
  it.each([
    ['12.x at its floor exactly', '525.60.13', true],
    ['12.x one below its floor', '525.60.12', false],
    ['a 470 driver for a 12.x image', '470.57.02', false],
  ])('%s (%s)', (_label, driver, ok) => {
    const verdict = judge(PYTORCH_2406, driver, { policy: 'minor-compat', gpuNames: GEFORCE });
    expect(verdict.compatible).toBe(ok);
    if (ok) expect(verdict).toMatchObject({ mode: 'minor-compat', floor: '525.60.13', warning: PTX_JIT_WARNING });
  });

  it('knows the floors per major and none before CUDA 11', () => {
    expect([
      minorCompatFloor('11.8.0'),
      minorCompatFloor('12.0'),
      minorCompatFloor('13.3.1.001'),
      minorCompatFloor('10.2.89'),
      minorCompatFloor(undefined),
    ]).toEqual(['450.80.02', '525.60.13', '580.65.06', undefined, undefined]);
    expect(
      judge(candidate('19.11-py3', '10.2.89'), '418.40.04', { policy: 'minor-compat', gpuNames: [] }).why,
    ).toContain('no minor-version compatibility');
  });

  it('prefers native when both work', () => {
    expect(judge(PYTORCH_2406, '560.35.03', { policy: 'minor-compat', gpuNames: [] }).mode).toBe('native');
  });
});

describe('forward-compat policy', () => {
  it('runs a newer image on a listed data-center branch', () => {
    const verdict = judge(PYTORCH_2406, '535.104.05', { policy: 'forward-compat', gpuNames: H100 });
    expect(verdict).toMatchObject({ compatible: true, mode: 'forward-compat', floor: '535.86' });
  });

  it('refuses consumer GPUs, unlisted branches and drivers below the listed one', () => {
    expect(judge(PYTORCH_2406, '535.104.05', { policy: 'forward-compat', gpuNames: GEFORCE }).compatible).toBe(false);
    expect(
      judge(PYTORCH_2406, '535.104.05', { policy: 'forward-compat', gpuNames: [...H100, ...GEFORCE] }).compatible,
    ).toBe(false);
    expect(judge(PYTORCH_2406, '530.30.02', { policy: 'forward-compat', gpuNames: H100 }).compatible).toBe(false);
    expect(judge(PYTORCH_2406, '535.54.03', { policy: 'forward-compat', gpuNames: H100 }).compatible).toBe(false);
    expect(judge(PYTORCH_2406, '535.86', { policy: 'forward-compat', gpuNames: H100 }).compatible).toBe(true);
    expect(
      judge(candidate('25.01-py3', '12.8.0', '570.86.10'), '535.104.05', { policy: 'forward-compat', gpuNames: H100 })
        .why,
    ).toContain('lists no data-center branch');
  });

  it('reads branches as NVIDIA prints them', () => {
    expect(['470.57', '418.xx', '384.111+', '410', 'R535'].map((b) => parseForwardCompatBranch(b)?.minDriver)).toEqual([
      '470.57',
      '418',
      '384.111',
      '410',
      undefined,
    ]);
    expect(forwardCompatBranchFor('418.40.04', ['418.xx'])?.branch).toBe(418);
    expect(forwardCompatBranchFor('384.81', ['384.111+'])).toBeUndefined();
  });

  it('tells data-center GPUs from others by name, truncated names included', () => {
    expect(
      ['Tesla V100-SXM2...', 'NVIDIA A10G', 'NVIDIA GeForce ...', 'TITAN Xp', 'Quadro RTX 8000', ''].map(classifyGpu),
    ).toEqual(['data-center', 'data-center', 'other', 'other', 'other', 'unknown']);
  });
});

describe('selection sentence', () => {
  it('says how a non-native choice runs, and from which driver', () => {
    const selection = selectTag([PYTORCH_2406], '525.105.17', 'pytorch py3', { policy: 'minor-compat', gpuNames: [] });
    expect(selection.why).toBe(
      'driver 525.105.17 supports CUDA ≤ 12.0: newest pytorch py3 release it runs through minor-version compatibility is 24.06-py3 (CUDA 12.5.0, needs driver ≥ 555.42.02), from driver 525.60.13 up',
    );
  });
});

describe('constraints', () => {
  const TF = [
    '25.02-tf2-py3',
    '23.03-tf1-py3',
    '23.03-tf2-py3',
    '23.01-tf1-py3',
    '23.01-tf2-py3',
    '19.10-py2',
    '19.10-py3',
    '24.05-py3-igpu',
  ];
  const tags = (c: Partial<Constraints>) => matchingTags(TF, 'tf2-py3', { ...NO_CONSTRAINTS, ...c }).map((t) => t.tag);

  it.each([
    [{}, ['25.02-tf2-py3', '23.03-tf2-py3', '23.01-tf2-py3']],
    [{ variant: 'tf1' }, ['23.03-tf1-py3', '23.01-tf1-py3']],
    [{ variant: 'igpu' }, ['24.05-py3-igpu']],
    [{ python: '2' }, ['19.10-py2']],
    [{ python: '3' }, ['25.02-tf2-py3', '23.03-tf2-py3', '23.01-tf2-py3', '19.10-py3']],
    [{ release: '23.03' }, ['23.03-tf2-py3']],
    [{ release: '23.03', variant: 'tf1' }, ['23.03-tf1-py3']],
  ])('%j → %j', (c, expected) => {
    expect(tags(c)).toEqual(expected);
  });

  it('checks --cuda against the image CUDA, 2- or 3-part', () => {
    const c = validateConstraints({ cuda: '12.4' });
    expect([cudaFits('12.4.0.000', c), cudaFits('12.3.2', c), cudaFits('12.4', c), cudaFits(undefined, c)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it.each([
    [{ release: '24.13' }, /malformed release/],
    [{ cuda: 'twelve' }, /malformed cuda/],
    [{ python: '3.10' }, /unsupported python/],
    [{ variant: '-x' }, /malformed variant/],
  ])('refuses %j', (raw, message) => {
    expect(() => validateConstraints(raw)).toThrow(message);
  });
});

describe('offline seed', () => {
  it('has a source for every row and only tags of its own release', () => {
    for (const row of NGC_RELEASES) {
      expect(row.source.length).toBeGreaterThan(10);
      for (const tag of row.tags) expect(tag.startsWith(`${row.release}-`)).toBe(true);
    }
  });

  it('gives tensorflow tf2-py3 and pytorch py3 candidates newest first, with branches from the release notes', () => {
    const tf = seedCandidates(findFramework('tensorflow')!, NO_CONSTRAINTS);
    expect(tf[0]).toMatchObject({
      tag: '25.02-tf2-py3',
      cudaVersion: '12.8',
      requirement: { minDriver: '570.26', source: 'cuda-table' },
    });
    expect(tf.find((c) => c.tag === '23.01-tf2-py3')?.forwardCompatBranches).toEqual([
      '450.51',
      '470.57',
      '510.47',
      '515.65',
      '525.85',
    ]);
    const pt = seedCandidates(findFramework('pytorch')!, NO_CONSTRAINTS);
    expect(pt.slice(0, 2).map((c) => [c.tag, c.requirement?.minDriver])).toEqual([
      ['26.07-py3', '610.43.02'],
      ['26.03-py3', undefined],
    ]);
  });

  it.each([
    ['tensorflow', '535.104.05', '23.01-tf2-py3'],
    ['pytorch', '535.104.05', '23.10-py3'],
    ['pytorch', '580.65.06', '25.01-py3'], // 25.10 needs its CUDA_DRIVER_VERSION 580.95.05
    ['pytorch', '580.95.05', '25.10-py3'],
    ['tensorflow', '450.80.02', '20.09-tf2-py3'],
  ])('selects natively from the seed: %s on %s → %s', (framework, driver, tag) => {
    const selection = selectTag(seedCandidates(findFramework(framework)!, NO_CONSTRAINTS), driver, framework);
    expect(selection.kind === 'selected' && selection.candidate.tag).toBe(tag);
  });

  it('knows jax and tritonserver by name, LLM variants included', () => {
    expect(seedCandidates(findFramework('jax')!, NO_CONSTRAINTS).map((c) => c.tag)).toContain('26.06-py3');
    const trtllm = seedCandidates(findFramework('tritonserver')!, { ...NO_CONSTRAINTS, variant: 'trtllm' });
    expect(trtllm.find((c) => c.tag === '25.03-trtllm-python-py3')?.requirement).toEqual({
      minDriver: '570.124.06',
      source: 'image-env',
    });
  });
});
