// parseNvidiaSmi over the nvidia-smi corpus in test/fixtures/nvidia-smi (real outputs, plus synthetic-* edge cases).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi } from '../../../src/gpu/nvidia-smi.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');
const H100 = 'NVIDIA H100 80GB HBM3';

const A100_80 = 'NVIDIA A100-SXM4-80GB';
const A100_40 = 'NVIDIA A100-SXM4-40GB';
const K80 = 'Tesla K80';
type Ok = readonly [file: string, format: string, driver: string | null, cuda: string | null, names: readonly string[]];
type Failed = readonly [file: string, reason: string];

/** Every fixture file and what it must parse to; a file without a row here fails the completeness test. */
const OK: readonly Ok[] = [
  ['h100-580.159.04-default.txt', 'table', '580.159.04', '13.0', [H100]],
  ['h100-580.159.04-q.txt', 'query-text', '580.159.04', '13.0', [H100]],
  ['h100-580.159.04-qx.xml', 'xml', '580.159.04', '13.0', [H100]],
  ['h100-580.159.04-query-multi.txt', 'csv', '580.159.04', null, [H100]],
  ['h100-580.159.04-query-driver.txt', 'csv', '580.159.04', null, ['unknown']],
  ['public-525.105.17-tesla-v100-sxm2-x1.txt', 'table', '525.105.17', '12.0', ['Tesla V100-SXM2...']],
  ['public-550.90.07-h100-x8.txt', 'table', '550.90.07', '12.4', Array(8).fill(H100)],
  ['public-555.42.02-a100-sxm4-80gb-x4.txt', 'table', '555.42.02', '12.5', Array(4).fill(A100_80)],
  ['public-560.35.03-rtx3090-x2.txt', 'table', '560.35.03', '12.6', Array(2).fill('NVIDIA GeForce RTX 3090')],
  ['public-535.129.03-a10-q.txt', 'query-text', '535.129.03', '12.2', ['NVIDIA A10']],
  ['public-410.104-tesla-k80-excerpt.txt', 'table', '410.104', '10.0', [K80]],
  ['public-384.66-titan-xp-no-cuda-excerpt.txt', 'table', '384.66', null, ['TITAN Xp']],
  ['public-470.63.01-geforce-truncated-name-excerpt.txt', 'table', '470.63.01', '11.4', ['NVIDIA GeForce ...']],
  ['public-470.256.02-a10g-excerpt.txt', 'table', '470.256.02', '11.4', ['NVIDIA A10G']],
  ['public-390.77-tesla-k80-q-excerpt.txt', 'query-text', '390.77', null, [K80]],
  ['public-418.40.04-tesla-k80-q-excerpt.txt', 'query-text', '418.40.04', '10.1', [K80]],
  ['public-530.30.02-tesla-v100-sxm2-16gb.txt', 'table', '530.30.02', '12.1', ['Tesla V100-SXM2-16GB']],
  ['public-530.30.02-a2-l4-mixed.txt', 'table', '530.30.02', '12.1', ['NVIDIA A2', 'NVIDIA L4']],
  ['public-530.41.03-wsl-driver-531.41-rtx2080s.txt', 'table', '531.41', '12.1', ['NVIDIA GeForce RTX 2080 S...']],
  [
    'public-535.183.01-gtx1050ti-gtx1060-mixed.txt',
    'table',
    '535.183.01',
    '12.2',
    ['NVIDIA GeForce GTX 1050 Ti', 'NVIDIA GeForce GTX 1060 6GB'],
  ],
  ['public-545.23.08-rtx2080ti.txt', 'table', '545.23.08', '12.3', ['NVIDIA GeForce RTX 2080 Ti']],
  ['public-617.14-kmd-umd-header-windows-excerpt.txt', 'table', '617.14', '13.4', ['NVIDIA GeForce RTX 3050 ...']],
  ['public-610.43.02-b200-x2-excerpt.txt', 'table', '610.43.02', '13.3', ['NVIDIA B200', 'NVIDIA B200']],
  ['public-610.47-q-deprecated-excerpt.txt', 'query-text', '610.47', '13.3', []],
  ['public-616.92-q-grep-excerpt.txt', 'query-text', '616.92', '13.4', ['NVIDIA GeForce RTX 5070 Ti Laptop GPU']],
  ['public-version-590.48.01.txt', 'version', '590.48.01', '13.1', []],
  ['public-version-wsl-smi-580.82.07-driver-581.42.txt', 'version', '581.42', '13.0', []],
  ['public-version-560.94-windows.txt', 'version', '560.94', '12.6', []],
  ['public-version-580.142-gb10.txt', 'version', '580.142', '13.0', []],
  ['public-version-616.56-kmd-umd.txt', 'version', '616.56', '13.4', []],
  ['public-csv-570.133.20-a100-x8.txt', 'csv', '570.133.20', null, Array(8).fill(A100_80)],
  ['synthetic-mig-a100-x2.txt', 'table', '550.54.15', '12.4', [A100_40, A100_40]],
  ['synthetic-610.43.02-kmd-header.txt', 'table', '610.43.02', '13.3', [H100]],
  ['synthetic-610.43.02-qx.xml', 'xml', '610.43.02', '13.3', [H100]],
  ['synthetic-err-gpu-lost-x2.txt', 'table', '535.104.05', '12.2', [A100_80, A100_80]],
  [
    'synthetic-mixed-a100-v100-545.23.08.txt',
    'table',
    '545.23.08',
    '12.3',
    ['NVIDIA A100-PCIE-40GB', 'Tesla V100-PCIE-32GB'],
  ],
  ['synthetic-smi-560-driver-550.90.07.txt', 'table', '550.90.07', '12.4', Array(8).fill(H100)],
  ['synthetic-cuda-na-580.159.04.txt', 'table', '580.159.04', null, [H100]],
  ['synthetic-csv-units-na.txt', 'csv', '535.104.05', null, [A100_80, A100_80]],
  ['synthetic-csv-truncated-row-570.133.20.txt', 'csv', '570.133.20', null, Array(7).fill(A100_80)],
  ['synthetic-crlf-580.159.04-default.txt', 'table', '580.159.04', '13.0', [H100]],
  ['synthetic-utf16le-bom-560.94-version.txt', 'version', '560.94', '12.6', []],
  ['synthetic-banner-and-warning-580.159.04.txt', 'table', '580.159.04', '13.0', [H100]],
];

/** Failures whose message is a line nvidia-smi printed (the rest describe what was read instead). */
const PRINTED = new Set([
  'no-driver',
  'driver-library-mismatch',
  'nvml-init',
  'permission',
  'no-devices',
  'device-handle',
  'not-found',
  'invalid-arguments',
]);

const FAILED: readonly Failed[] = [
  ['public-fail-nvml-mismatch-1.txt', 'driver-library-mismatch'],
  ['public-fail-device-handle-unknown-error.txt', 'device-handle'],
  ['public-fail-no-devices.txt', 'no-devices'],
  ['public-fail-no-devices-trailing-spaces.txt', 'no-devices'],
  ['public-fail-invalid-arguments.txt', 'invalid-arguments'],
  ['public-fail-insufficient-permissions.txt', 'permission'],
  ['synthetic-fail-not-found-slurmstepd.txt', 'not-found'],
  ['synthetic-fail-not-found-sh.txt', 'not-found'],
  ['synthetic-fail-nvml-unknown.txt', 'nvml-init'],
  ['synthetic-fail-no-driver.txt', 'no-driver'],
  // Read, but no driver in them: -L and queries without driver_version.
  ['h100-580.159.04-L.txt', 'no-driver-version'],
  ['public-L-mixed-k80-rtx2080ti.txt', 'no-driver-version'],
  ['public-L-rtx4070-laptop.txt', 'no-driver-version'],
  ['synthetic-mig-a100-L.txt', 'no-driver-version'],
  ['public-csv-no-driver-h200-x4.txt', 'no-driver-version'],
  ['public-csv-no-driver-clocks-power.txt', 'no-driver-version'],
  // Headerless CSV whose fields are not given: never guessed.
  ['synthetic-csv-noheader-mixed.txt', 'unknown-fields'],
  ['synthetic-csv-noheader-power-limits.txt', 'unknown-fields'],
  ['synthetic-csv-two-nodes-two-drivers.txt', 'several-drivers'],
];

const FIXTURES = readdirSync(new URL('../../fixtures/nvidia-smi/', import.meta.url)).filter((f) => f !== 'README.md');

describe('the nvidia-smi corpus', () => {
  it('has an expectation for every file, and a README row with its source', () => {
    const readme = fixture('README.md');
    expect([...OK.map((r) => r[0]), ...FAILED.map((r) => r[0])].sort()).toEqual([...FIXTURES].sort());
    expect(FIXTURES.filter((f) => !readme.includes(`| ${f} |`))).toEqual([]);
  });

  it('holds 41 distinct real outputs (h100-* and public-*; the two "No devices" files differ only in trailing blanks)', () => {
    const real = FIXTURES.filter((f) => !f.startsWith('synthetic-'));
    expect(real).toHaveLength(42);
    expect(new Set(real.map((f) => fixture(f).trim())).size).toBe(41);
  });
});

describe('parseNvidiaSmi over the corpus', () => {
  it.each(OK)('%s → %s, driver %s, CUDA %s', (file, format, driver, cuda, names) => {
    const result = parseNvidiaSmi(fixture(file));
    expect(result).toMatchObject({ kind: 'ok', format, driverVersion: driver, cudaVersion: cuda });
    if (result.kind === 'ok') expect(result.gpus.map((g) => g.name)).toEqual(names);
  });

  it.each(FAILED)('%s → failure %s, even when nvidia-smi exited 0', (file, reason) => {
    const result = parseNvidiaSmi(fixture(file));
    expect(result).toMatchObject({ kind: 'failure', reason });
    if (result.kind === 'failure' && PRINTED.has(reason)) expect(fixture(file)).toContain(result.message);
  });

  it('reads bus ids and indexes from the 8-GPU table', () => {
    const result = parseNvidiaSmi(fixture('public-550.90.07-h100-x8.txt'));
    if (result.kind !== 'ok') throw new Error('expected ok');
    expect(result.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.gpus[0]?.busId).toBe('00000000:19:00.0');
  });

  it('counts physical GPUs, not MIG slices, in the table and in -L', () => {
    expect(parseNvidiaSmi(fixture('synthetic-mig-a100-x2.txt'))).toMatchObject({ gpus: [{ index: 0 }, { index: 1 }] });
    expect(parseNvidiaSmi(fixture('synthetic-mig-a100-L.txt'))).toMatchObject({ gpus: [{ index: 0 }, { index: 1 }] });
  });

  it('reads the driver mismatch failure, which comes as text rather than a table', () => {
    expect(parseNvidiaSmi(fixture('public-fail-nvml-mismatch-1.txt'))).toEqual({
      kind: 'failure',
      reason: 'driver-library-mismatch',
      message: 'Failed to initialize NVML: Driver/library version mismatch',
    });
  });

  it('says what a -L or a query without driver_version did list', () => {
    expect(parseNvidiaSmi(fixture('public-L-mixed-k80-rtx2080ti.txt'))).toMatchObject({
      message: 'nvidia-smi -L lists 5 GPU(s) (Tesla K80, GeForce RTX 2080 Ti) but names no driver version',
    });
    expect(parseNvidiaSmi(fixture('public-csv-no-driver-h200-x4.txt'))).toMatchObject({
      message:
        'the --query-gpu CSV (index, name, memory.total) lists 4 GPU(s) (NVIDIA H200) but names no driver version',
    });
  });

  it('names both drivers of joined outputs, and refuses to choose', () => {
    expect(parseNvidiaSmi(fixture('synthetic-csv-two-nodes-two-drivers.txt'))).toMatchObject({
      message: expect.stringContaining('2 different drivers (580.159.04, 525.105.17)'),
    });
  });
});

describe('parseNvidiaSmi on other outputs', () => {
  it('reads noheader CSV by the given query fields, and only then', () => {
    const text = fixture('synthetic-csv-noheader-mixed.txt');
    expect(parseNvidiaSmi(text, { queryFields: ['driver_version', 'name'] })).toMatchObject({
      kind: 'ok',
      driverVersion: '535.104.05',
      gpus: [{ name: 'Tesla V100-SXM2-32GB' }, { name: A100_40 }],
    });
    expect(parseNvidiaSmi(text)).toMatchObject({ kind: 'failure', reason: 'unknown-fields' });
  });

  it('never takes a power limit for the driver, with or without the field list', () => {
    const power = fixture('synthetic-csv-noheader-power-limits.txt');
    expect(parseNvidiaSmi(power)).toMatchObject({ kind: 'failure', reason: 'unknown-fields' });
    expect(parseNvidiaSmi(power, { queryFields: ['power.limit', 'power.max_limit'] })).toMatchObject({
      kind: 'failure',
      reason: 'no-driver-version',
    });
    expect(parseNvidiaSmi('200.00\n')).toMatchObject({ kind: 'failure', reason: 'unknown-fields' });
    expect(parseNvidiaSmi('580.142\n580.142\n')).toMatchObject({ kind: 'ok', driverVersion: '580.142' });
  });

  it('reads a driver of [N/A] as no driver', () => {
    expect(parseNvidiaSmi('driver_version, name\n[N/A], NVIDIA H100 80GB HBM3\n')).toMatchObject({
      kind: 'failure',
      reason: 'no-driver-version',
    });
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

  it('takes the KMD Version of a 610 -q over a Driver Version that says something else', () => {
    const text = fixture('public-610.47-q-deprecated-excerpt.txt').replace(
      'Driver Version                                         : 610.47',
      'Driver Version                                         : Deprecated',
    );
    expect(parseNvidiaSmi(text)).toMatchObject({ kind: 'ok', driverVersion: '610.47', cudaVersion: '13.3' });
  });

  it('refuses joined tables of two nodes with different drivers', () => {
    const two = fixture('h100-580.159.04-default.txt') + fixture('public-525.105.17-tesla-v100-sxm2-x1.txt');
    expect(parseNvidiaSmi(two)).toMatchObject({ kind: 'failure', reason: 'several-drivers' });
    const same = fixture('h100-580.159.04-default.txt').repeat(2);
    expect(parseNvidiaSmi(same)).toMatchObject({ kind: 'ok', gpus: [{ name: H100 }, { name: H100 }] });
  });

  it('reads a table cut before its GPU rows as a driver without GPUs', () => {
    const cut = fixture('h100-580.159.04-default.txt').split('\n').slice(0, 4).join('\n');
    expect(parseNvidiaSmi(cut)).toMatchObject({ kind: 'ok', driverVersion: '580.159.04', gpus: [] });
  });

  it('reads a -q cut before its Driver Version as no driver', () => {
    expect(parseNvidiaSmi('\n==============NVSMI LOG==============\n\nTimestamp : Fri Nov 27\n')).toMatchObject({
      kind: 'failure',
      reason: 'no-driver-version',
    });
  });

  it('reads --version indented or with tabs (as quoted in READMEs and logs)', () => {
    const indented = fixture('public-version-590.48.01.txt').replace(/^/gm, ' ');
    expect(parseNvidiaSmi(indented)).toMatchObject({ kind: 'ok', format: 'version', driverVersion: '590.48.01' });
    const tabs = fixture('public-version-590.48.01.txt').replace(/ +: /g, '\t: ');
    expect(parseNvidiaSmi(tabs)).toMatchObject({ kind: 'ok', driverVersion: '590.48.01', cudaVersion: '13.1' });
  });

  it('refuses the --version of several nodes that differ', () => {
    const two = fixture('public-version-590.48.01.txt') + fixture('public-version-580.142-gb10.txt');
    expect(parseNvidiaSmi(two)).toMatchObject({ kind: 'failure', reason: 'several-drivers' });
  });

  it('treats a header CUDA Version of N/A as unknown', () => {
    const text = fixture('h100-580.159.04-default.txt').replace('CUDA Version: 13.0', 'CUDA Version: N/A ');
    expect(parseNvidiaSmi(text)).toMatchObject({ driverVersion: '580.159.04', cudaVersion: null });
  });

  it.each([
    [
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
      'no-driver',
    ],
    ['No devices were found\n', 'no-devices'],
    ['Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error\n', 'device-handle'],
    ['Failed to initialize NVML: Unknown Error\n', 'nvml-init'],
    ['bash: nvidia-smi: command not found\n', 'not-found'],
    [
      "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that the NVIDIA Display Driver is properly installed and present in your system.\n",
      'not-found',
    ],
    ['Field "id" is not a valid field to query.\n', 'invalid-arguments'],
    ['', 'unparseable'],
    ['garbage\n', 'unparseable'],
  ])('names the failure in %j', (text, reason) => {
    expect(parseNvidiaSmi(text)).toMatchObject({ kind: 'failure', reason });
  });
});
