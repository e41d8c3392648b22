// The job script's runtime guard, run for real under bash with stand-in nvidia-smi and apptainer on PATH and a version file.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDriverVersionFile } from '../../../src/gpu/driver-version-file.js';
import { sifName } from '../../../src/image/names.js';
import { planJobView, type JobRequest } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { EDGE_TEXTS, PROC_VERSION_DIR, procVersionFiles } from '../../support/driver-version-texts.js';
import { JOB } from '../../support/templates.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** versionFile: the text of the node's kernel module version file; undefined: the file is missing. */
function runJob(
  nvidiaSmi: string,
  minDriver: string | undefined,
  cached: boolean,
  versionFile?: string,
  map?: { dir: string; node: string },
) {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-guard-'));
  // A site's path reaches the script quoted: this one would run commands if it were not.
  const driverVersionFile = join(dir, "nvidia version 'q' $(touch pwned) `touch pwned`");
  if (versionFile !== undefined) writeFileSync(driverVersionFile, versionFile);
  const smiCalls = join(dir, 'nvidia-smi-calls');
  const bin = join(dir, 'bin');
  const cache = join(dir, 'cache');
  mkdirSync(bin);
  mkdirSync(cache);
  const calls = join(dir, 'apptainer-calls');
  writeFileSync(
    join(bin, 'apptainer'),
    `#!/bin/bash\necho "$1" >> ${JSON.stringify(calls)}\n[ "$1" = pull ] && echo sif > "\${@: -2:1}"\nexit 0\n`,
  );
  writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/bash\necho "$*" >> ${JSON.stringify(smiCalls)}\n${nvidiaSmi}\n`);
  chmodSync(join(bin, 'apptainer'), 0o755);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  if (cached) writeFileSync(join(cache, sifName(DIGEST)), 'not empty');
  const request: JobRequest = {
    jobName: 'guard',
    partition: 'gpu-legacy',
    account: undefined,
    time: undefined,
    mem: undefined,
    cpus: undefined,
    gpus: 1,
    gpuType: undefined,
    output: undefined,
    imageCacheDir: cache,
    command: ['true'],
    minDriver,
    driverVersionFile,
    driverMapDir: map?.dir,
    image: {
      displayRef: 'r/nvidia/tensorflow:25.02-tf2-py3',
      pullRef: `docker://r/nvidia/tensorflow@${DIGEST}`,
      digest: DIGEST,
      noHttps: false,
      authFile: undefined,
    },
  };
  const result = spawnSync('bash', ['-c', renderTemplate(JOB, planJobView(request))], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...(map ? { SLURMD_NODENAME: map.node } : {}) },
    cwd: dir,
    encoding: 'utf8',
  });
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
  return { code: result.status, stderr: result.stderr, calls: lines(calls), smiCalls: lines(smiCalls) };
}

describe('runtime guard in the job script', () => {
  it('stops with exit 86 before any pull when the node driver is below the image minimum', () => {
    const job = runJob('echo 525.105.17', '570.86.10', false);
    expect(job.code).toBe(86);
    expect(job.stderr).toContain('GPU driver 525.105.17 on');
    expect(job.stderr).toContain('older than 570.86.10, the minimum for r/nvidia/tensorflow:25.02-tf2-py3');
    expect(job.calls).toEqual([]);
  });

  it.each([
    ['equal versions', 'echo 570.86.10', '570.86.10'],
    ['2-part driver equal to a 3-part minimum', 'echo 570.26', '570.26.0'],
    ['newer driver, CSV spacing and one line per GPU', 'printf "580.159.04 \\n580.159.04 \\n"', '570.86.10'],
  ])('lets the job run on %s', (_label, smi, min) => {
    const job = runJob(smi, min, true);
    expect(job.code, job.stderr).toBe(0);
    expect(job.calls).toEqual(['exec']);
  });

  it('warns and runs when nvidia-smi prints no driver version (N/A, a failure text)', () => {
    for (const smi of ['echo "[N/A]"', 'echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18']) {
      const job = runJob(smi, '570.86.10', true);
      expect(job.code, job.stderr).toBe(0);
      expect(job.stderr).toContain('could not read the GPU driver');
    }
  });

  it('is absent when no minimum is given (CPU jobs)', () => {
    const job = runJob('echo 1.0', undefined, true);
    expect(job.code).toBe(0);
    expect(job.stderr).not.toContain('driver');
  });
});

describe('runtime guard reading the kernel module version file first', () => {
  const V100_MODULE = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  525.105.17  Sat Mar 11 02:11:35 UTC 2023\n';

  it('stops with exit 86 from the file alone, naming it, without running nvidia-smi', () => {
    const job = runJob('echo 580.159.04', '570.86.10', true, V100_MODULE);
    expect(job.code).toBe(86);
    expect(job.stderr).toMatch(
      /GPU driver 525\.105\.17 on \S+ \(kernel module, \/.+\/nvidia version 'q' \$\(touch pwned\) `touch pwned`\) is older than 570\.86\.10/,
    );
    expect(job.smiCalls).toEqual([]);
    expect(job.calls).toEqual([]);
  });

  it('runs on a new enough module without running nvidia-smi, even where nvidia-smi fails (library mismatch)', () => {
    const job = runJob(
      'echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18',
      '525.85.12',
      true,
      V100_MODULE,
    );
    expect(job.code, job.stderr).toBe(0);
    expect(job.smiCalls).toEqual([]);
    expect(job.stderr).not.toContain('could not read the GPU driver');
    expect(job.calls).toEqual(['exec']);
  });

  it.each([
    ['missing', undefined],
    [
      'unparsable (Jetson L4T number)',
      'NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  35.3.1  Release Build\n',
    ],
  ])('falls back to nvidia-smi when the file is %s, with today’s message', (_label, file) => {
    const job = runJob('echo 525.105.17', '570.86.10', false, file);
    expect(job.code).toBe(86);
    expect(job.smiCalls).toEqual(['--query-gpu=driver_version --format=csv,noheader']);
    expect(job.stderr).toContain('GPU driver 525.105.17 on');
    expect(job.stderr).not.toContain('kernel module');
  });

  it.each([
    ['580.9', '580.10', 86],
    ['580.10', '580.9', 0],
    ['570.26', '570.26.1', 86],
    ['570.26.0', '570.26', 0],
    ['570.086.10', '570.86.9', 0],
    ['1000.1', '999.99.99', 0],
  ])('compares %s with the minimum %s numerically, part by part (exit %i)', (driver, min, code) => {
    const job = runJob(
      'true',
      min,
      true,
      `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${driver}  Tue Sep 30 2025\n`,
    );
    expect(job.code, job.stderr).toBe(code);
  });

  // The guard's bash pattern and parseDriverVersionFile must read every text alike: a minimum no driver meets makes the
  // guard print what it read (exit 86), and a stand-in nvidia-smi printing nothing shows when it fell back.
  const agreement = [
    ...procVersionFiles().map((f) => [f, readFileSync(new URL(f, PROC_VERSION_DIR), 'utf8')] as const),
    ...EDGE_TEXTS.map(([label, text]) => [label, text] as const),
  ];
  it.each(agreement)('reads %s as parseDriverVersionFile does', (_label, text) => {
    const job = runJob('true', '99999', true, text);
    const expected = parseDriverVersionFile(text);
    if (expected === null) {
      expect(job.smiCalls).toHaveLength(1);
      expect(job.stderr).toContain('could not read the GPU driver');
    } else {
      expect(job.smiCalls).toEqual([]);
      expect(job.code).toBe(86);
      expect(job.stderr).toContain(`GPU driver ${expected} on`);
    }
  });
});

describe("the job records its node's driver in the site's driver map", () => {
  const H100_MODULE =
    'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AF03-09-1)  Thu Oct 30 05:20:38 UTC 2025\n';

  it("one record, named for its node, in the writer's own directory; the job runs as before", () => {
    const root = mkdtempSync(join(tmpdir(), 'qsc-guard-map-'));
    const mapDir = join(root, "driver map 'q' $(touch pwned)");
    mkdirSync(mapDir, { mode: 0o1777 });
    const job = runJob('echo 1.0', '570.86.10', true, H100_MODULE, { dir: mapDir, node: 'gpu07' });
    expect(job.code, job.stderr).toBe(0);
    expect(job.smiCalls).toEqual([]);
    const record = readFileSync(join(mapDir, `u${process.getuid!()}`, 'gpu07'), 'utf8');
    expect(record).toMatch(/^qsc-node-fact\/1\tgpu07\t580\.159\.04\t\d+\tjob\t/);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('a map directory that does not exist costs the job nothing', () => {
    const job = runJob('echo 1.0', '570.86.10', true, H100_MODULE, { dir: '/nonexistent/map', node: 'gpu07' });
    expect(job.code, job.stderr).toBe(0);
    expect(job.calls).toEqual(['exec']);
  });
});
