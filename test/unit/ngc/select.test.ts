// Tag selection: newest compatible release, reasons in one sentence, and the "none" case naming the oldest need.
import { describe, expect, it } from 'vitest';
import { driverRequirement, tableRowForCuda } from '../../../src/ngc/compat.js';
import { newestCudaForDriver, selectTag, type Candidate } from '../../../src/ngc/select.js';
import { matchingTags, NO_CONSTRAINTS } from '../../../src/ngc/constraints.js';
import { parseNgcTag } from '../../../src/ngc/tags.js';
import { compareVersionText } from '../../../src/ngc/version.js';

const candidate = (tag: string, cudaVersion: string | undefined, cudaDriverVersion?: string): Candidate => ({
  tag,
  release: tag.slice(0, 5),
  digest: `sha256:${'0'.repeat(64)}`,
  cudaVersion,
  requirement: driverRequirement({ cudaVersion, cudaDriverVersion }),
});

// The testbed's tensorflow line (values from deploy/testbed/images.txt), newest first.
const TENSORFLOW = [
  candidate('25.02-tf2-py3', '12.8.0.038', '570.86.10'),
  candidate('23.01-tf2-py3', '12.0.1.000', '525.85.12'),
  candidate('22.10-tf2-py3', '11.8.0.000', '520.61.05'),
  candidate('21.12-tf2-py3', '11.5.0.029', '495.29.05'),
];

describe('selectTag', () => {
  it.each([
    ['580.159.04', '25.02-tf2-py3'],
    ['570.86.10', '25.02-tf2-py3'],
    ['570.86.09', '23.01-tf2-py3'],
    ['525.105.17', '23.01-tf2-py3'],
    ['525.60.13', '22.10-tf2-py3'],
    ['495.29.05', '21.12-tf2-py3'],
  ])('driver %s gets %s', (driver, tag) => {
    const selection = selectTag(TENSORFLOW, driver, 'tensorflow tf2-py3');
    expect(selection.kind === 'selected' && selection.candidate.tag).toBe(tag);
  });

  it('explains the choice in one sentence', () => {
    const selection = selectTag(TENSORFLOW, '525.105.17', 'tensorflow tf2-py3');
    expect(selection.why).toBe(
      'driver 525.105.17 supports CUDA ≤ 12.0: newest tensorflow tf2-py3 release needing ≤ 525.105.17 is 23.01-tf2-py3 (CUDA 12.0.1, needs driver ≥ 525.85.12)',
    );
  });

  it('names the driver and the oldest release when nothing fits', () => {
    const selection = selectTag(TENSORFLOW, '470.57.02', 'tensorflow tf2-py3');
    expect(selection).toMatchObject({ kind: 'none', oldest: { tag: '21.12-tf2-py3' } });
    expect(selection.why).toContain('driver 470.57.02');
    expect(selection.why).toContain('21.12-tf2-py3 (CUDA 11.5.0, needs driver ≥ 495.29.05)');
  });

  it('falls back to NVIDIA’s table when an image has no CUDA_DRIVER_VERSION', () => {
    const c = candidate('23.10-py3', '12.2.2.009');
    expect(c.requirement).toEqual({ minDriver: '535.104.05', source: 'cuda-table' });
    expect(selectTag([c], '535.86.10', 'pytorch py3').kind).toBe('none');
    expect(selectTag([c], '535.104.05', 'pytorch py3').kind).toBe('selected');
  });

  it('never selects an image whose CUDA need is unknown', () => {
    expect(selectTag([candidate('24.01-py3', undefined)], '999.0', 'x').kind).toBe('none');
  });

  it('takes the newest release when no GPU (no driver) is involved', () => {
    const selection = selectTag(TENSORFLOW, undefined, 'tensorflow tf2-py3');
    expect(selection.kind === 'selected' && selection.candidate.tag).toBe('25.02-tf2-py3');
  });
});

describe('driver and CUDA tables', () => {
  it.each([
    ['12.8.0.038', '570.26'],
    ['12.8', '570.26'],
    ['12.2.2', '535.104.05'],
    ['11.4.3', '470.82.01'],
    ['12.4.9', '550.54.15'],
    ['13.0.2.006', '580.95.05'],
  ])('CUDA %s needs driver %s (Table 3)', (cuda, driver) => {
    expect(tableRowForCuda(cuda)?.minDriver).toBe(driver);
  });

  it('knows no row for a CUDA it has no source for', () => {
    expect(tableRowForCuda('13.4.1')).toBeUndefined();
    expect(tableRowForCuda('junk')).toBeUndefined();
  });

  it.each([
    ['580.159.04', '13.0'],
    ['525.105.17', '12.0'],
    ['535.104.05', '12.2'],
    ['400.1', undefined],
  ])('driver %s supports CUDA ≤ %s', (driver, cuda) => {
    expect(newestCudaForDriver(driver)).toBe(cuda);
  });

  it('compares versions numerically, part by part', () => {
    expect(compareVersionText('580.159.04', '580.95.05')).toBe(1);
    expect(compareVersionText('570.26', '570.26.0')).toBe(0);
    expect(compareVersionText('525.60.13', '525.105.17')).toBe(-1);
  });
});

describe('NGC tags', () => {
  it('orders one variant newest first and ignores the rest', () => {
    const tags = [
      '21.12-tf2-py3',
      '23.01-tf1-py3',
      'latest',
      '25.02-tf2-py3',
      '23.01-tf2-py3',
      '20.03.1-tf2-py3',
      '99.13-tf2-py3',
    ];
    expect(matchingTags(tags, 'tf2-py3', NO_CONSTRAINTS).map((t) => t.tag)).toEqual([
      '25.02-tf2-py3',
      '23.01-tf2-py3',
      '21.12-tf2-py3',
      '20.03.1-tf2-py3',
    ]);
  });

  it('parses point releases and variants with dashes', () => {
    expect(parseNgcTag('20.03.1-py3')).toMatchObject({ release: '20.03.1', variant: 'py3' });
    expect(parseNgcTag('24.05-trtllm-python-py3')).toMatchObject({ release: '24.05', variant: 'trtllm-python-py3' });
  });
});
