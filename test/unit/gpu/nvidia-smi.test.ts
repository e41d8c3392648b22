// parseNvidiaSmi over the real captured outputs in test/fixtures/nvidia-smi (copied from shared/fixtures).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi } from '../../../src/gpu/nvidia-smi.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');
const H100 = 'NVIDIA H100 80GB HBM3';

describe('parseNvidiaSmi on real captures', () => {
  it.each([
    ['h100-580.159.04-default.txt', 'table', '580.159.04', '13.0', [H100]],
    ['h100-580.159.04-q.txt', 'query-text', '580.159.04', '13.0', [H100]],
    ['h100-580.159.04-qx.xml', 'xml', '580.159.04', '13.0', [H100]],
    ['h100-580.159.04-query-multi.txt', 'csv', '580.159.04', null, [H100]],
    ['h100-580.159.04-query-driver.txt', 'csv', '580.159.04', null, ['unknown']],
    ['h100-580.159.04-L.txt', 'list', null, null, [H100]],
    ['public-525.105.17-tesla-v100-sxm2-x1.txt', 'table', '525.105.17', '12.0', ['Tesla V100-SXM2...']],
    ['public-550.90.07-h100-x8.txt', 'table', '550.90.07', '12.4', Array(8).fill(H100)],
  ])('%s → %s, driver %s, CUDA %s', (file, format, driver, cuda, names) => {
    const result = parseNvidiaSmi(fixture(file));
    expect(result).toMatchObject({ kind: 'ok', format, driverVersion: driver, cudaVersion: cuda });
    if (result.kind === 'ok') expect(result.gpus.map((g) => g.name)).toEqual(names);
  });

  it('reads bus ids and indexes from the 8-GPU table', () => {
    const result = parseNvidiaSmi(fixture('public-550.90.07-h100-x8.txt'));
    if (result.kind !== 'ok') throw new Error('expected ok');
    expect(result.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.gpus[0]?.busId).toBe('00000000:19:00.0');
  });

  it('reads the driver mismatch failure, which comes as text rather than a table', () => {
    expect(parseNvidiaSmi(fixture('public-fail-nvml-mismatch-1.txt'))).toEqual({
      kind: 'failure',
      reason: 'driver-library-mismatch',
      message: 'Failed to initialize NVML: Driver/library version mismatch',
    });
  });
});

describe('parseNvidiaSmi on other outputs', () => {
  it('uses the given query fields for noheader CSV', () => {
    const result = parseNvidiaSmi('580.159.04, NVIDIA H100 80GB HBM3\n580.159.04, NVIDIA H100 80GB HBM3\n', {
      queryFields: ['driver_version', 'name'],
    });
    expect(result).toMatchObject({ kind: 'ok', driverVersion: '580.159.04', gpus: [{ name: H100 }, { name: H100 }] });
  });

  it('takes the Driver Version, not the NVIDIA-SMI version, when they differ', () => {
    const text = fixture('public-550.90.07-h100-x8.txt').replace('NVIDIA-SMI 550.90.07', 'NVIDIA-SMI 560.35.03');
    expect(parseNvidiaSmi(text)).toMatchObject({ driverVersion: '550.90.07' });
  });

  it('reads the 610+ header that says KMD Version and CUDA UMD Version', () => {
    const text = fixture('h100-580.159.04-default.txt').replace(
      'NVIDIA-SMI 580.159.04             Driver Version: 580.159.04     CUDA Version: 13.0    ',
      'NVIDIA-SMI 610.43.02          KMD Version: 610.43.02     CUDA UMD Version: 13.3',
    );
    expect(parseNvidiaSmi(text)).toMatchObject({ kind: 'ok', driverVersion: '610.43.02', cudaVersion: '13.3' });
  });

  it('treats a header CUDA Version of N/A as unknown', () => {
    const text = fixture('h100-580.159.04-default.txt').replace('CUDA Version: 13.0', 'CUDA Version: N/A ');
    expect(parseNvidiaSmi(text)).toMatchObject({ driverVersion: '580.159.04', cudaVersion: null });
  });

  it.each([
    ["NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n", 'no-driver'],
    ['No devices were found\n', 'no-devices'],
    ['Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error\n', 'device-handle'],
    ['Failed to initialize NVML: Unknown Error\n', 'nvml-init'],
    ['bash: nvidia-smi: command not found\n', 'not-found'],
    ['', 'unparseable'],
    ['garbage\n', 'unparseable'],
  ])('names the failure in %j', (text, reason) => {
    expect(parseNvidiaSmi(text)).toMatchObject({ kind: 'failure', reason });
  });
});
