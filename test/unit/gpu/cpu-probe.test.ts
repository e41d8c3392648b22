// The CPU-only driver probe: its srun argv (no GRES, one CPU, pinned, --immediate) and its output, on real captures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuProbeArgv, GPU_MARK, parseCpuProbe } from '../../../src/gpu/cpu-probe.js';
import { parseGpuInformation } from '../../../src/gpu/gpu-information.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const VERSION = fixture('nvidia-proc-version/public-565.57.01-x86_64-open-ubuntu.txt');
const RTX3090 = fixture('nvidia-proc-gpus/public-rtx3090-590.48.01.txt');
const K80 = fixture('nvidia-proc-gpus/public-k80-colab.txt');

describe('cpuProbeArgv', () => {
  const argv = cpuProbeArgv({ partition: 'gengpu', node: 'gpu01', account: 'p123', waitSeconds: 5 });

  it('asks for one CPU and a few MB on one named node, no GRES, and gives up after --immediate', () => {
    expect(argv.slice(0, argv.indexOf('--'))).toEqual([
      'srun',
      '--partition=gengpu',
      '--nodelist=gpu01',
      '--account=p123',
      '--nodes=1',
      '--ntasks=1',
      '--cpus-per-task=1',
      '--mem=16M',
      '--time=1',
      '--job-name=qsub-container-cpu-probe',
      '--immediate=5',
      '--quiet',
    ]);
    expect(argv.slice(0, argv.indexOf('--')).some((a) => /gres|gpus/.test(a))).toBe(false);
  });

  it('reads the two kernel module files with sh, the paths as arguments, never inside the script', () => {
    const tail = argv.slice(argv.indexOf('--') + 1);
    expect(tail.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(tail.slice(3)).toEqual([
      'qsub-container-cpu-probe',
      '/proc/driver/nvidia/version',
      '/proc/driver/nvidia/gpus',
    ]);
    expect(tail[2]).not.toContain('/proc');
    const odd = cpuProbeArgv({
      partition: 'p',
      node: 'n',
      account: undefined,
      waitSeconds: 1,
      versionFile: "/site/it's version",
      gpusDir: '/site/gpus $(x)',
    });
    expect(odd.slice(-2)).toEqual(["/site/it's version", '/site/gpus $(x)']);
    expect(odd).not.toContain('--account=undefined');
  });

  it("carries the run's tag in its job name, so stopping that run cancels exactly its probe", () => {
    const tagged = cpuProbeArgv({ partition: 'p', node: 'n', account: undefined, waitSeconds: 1, runTag: 'ab12' });
    expect(tagged).toContain('--job-name=qsub-container-cpu-probe-ab12');
  });
});

describe('parseCpuProbe', () => {
  it('reads the driver and one model per GPU', () => {
    const stdout = `${VERSION}${GPU_MARK}/proc/driver/nvidia/gpus/0000:01:00.0/information\n${RTX3090}${GPU_MARK}/proc/driver/nvidia/gpus/0000:00:04.0/information\n${K80}`;
    expect(parseCpuProbe(stdout)).toEqual({
      kind: 'ok',
      driverVersion: '565.57.01',
      gpuModels: ['NVIDIA GeForce RTX 3090', 'Tesla K80'],
    });
  });

  it('reads a driver without GPU directories (none visible) as a driver with no models', () => {
    expect(parseCpuProbe(VERSION)).toEqual({ kind: 'ok', driverVersion: '565.57.01', gpuModels: [] });
  });

  it.each([
    ['an empty output (the file is missing: cat failed on stderr)', ''],
    ["Jetson's L4T number", fixture('nvidia-proc-version/public-jetson-l4t-35.3.1-aarch64-open.txt')],
  ])('names no driver on %s', (_label, stdout) => {
    expect(parseCpuProbe(stdout)).toMatchObject({ kind: 'no-driver' });
  });
});

describe('parseGpuInformation', () => {
  it.each([
    [RTX3090, 'NVIDIA GeForce RTX 3090', 'GPU-eaf23aa1-4d3d-596c-da66-b86b0e5db584', '0000:01:00.0'],
    [K80, 'Tesla K80', 'GPU-c6398fd0-9366-8e15-5d6a-369da852f85b', '0000:00:04.0'],
  ])('reads a real information file', (text, model, uuid, busLocation) => {
    expect(parseGpuInformation(text)).toEqual({ model, uuid, busLocation });
  });

  it('reads nothing from a file without a Model line', () => {
    expect(parseGpuInformation('IRQ: 1\n')).toBeNull();
  });
});
