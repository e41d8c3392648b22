// tags and detect on the testbed: candidates read from the real registry, drivers probed through real Slurm.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_USER, qsc, REGISTRY, sh } from '../support/cluster.js';
import { fixtureForUser, removeUserFixtures, textForUser } from '../support/user-fixtures.js';

afterAll(removeUserFixtures);

/** An auth file of the cluster user's with this password for the :5000 registry, at this mode. */
function authFile(password: string, mode: number): string {
  const dir = mkdtempSync('/tmp/qsc-tags-auth-');
  chownSync(dir, Number(sh('id', ['-u', CLUSTER_USER])), Number(sh('id', ['-g', CLUSTER_USER])));
  const file = join(dir, 'auth.json');
  writeFileSync(
    file,
    JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`qsc:${password}`).toString('base64') } } }),
    { mode },
  );
  chownSync(file, Number(sh('id', ['-u', CLUSTER_USER])), Number(sh('id', ['-g', CLUSTER_USER])));
  return file;
}

describe('qsub-container tags', () => {
  it.each([
    ['580.159.04', '25.02-tf2-py3'],
    ['525.105.17', '23.01-tf2-py3'],
  ])('with driver %s selects %s', async (driver, tag) => {
    const result = await qsc(['tags', 'tensorflow', '--driver', driver, '--registry', '127.0.0.1:5000', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.selected).toMatchObject({ tag, image: `127.0.0.1:5000/nvidia/tensorflow:${tag}` });
    expect(body.candidates.map((c: { tag: string }) => c.tag)).toEqual([
      '25.02-tf2-py3',
      '23.01-tf2-py3',
      '22.10-tf2-py3',
      '21.12-tf2-py3',
    ]);
    expect(body.candidates[0]).toMatchObject({
      cudaVersion: '12.8.0.038',
      minDriver: '570.86.10',
      minDriverSource: 'image-env',
    });
  });

  it('prints a table and the reason in one sentence', async () => {
    const result = await qsc(['tags', 'pytorch', '--driver', '580.159.04']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/26\.07\s+26\.07-py3\s+13\.3\.1\s+610\.43\.02\s+no/);
    expect(result.stdout).toContain(
      'selected 127.0.0.1:5000/nvidia/pytorch:25.10-py3: driver 580.159.04 supports CUDA ≤ 13.0',
    );
  });
});

describe('qsub-container tags without usable credentials', () => {
  const TAGS = ['tags', 'tensorflow', '--registry', REGISTRY, '--driver', '525.105.17', '--json'];

  it('answers from the offline seed when no credentials exist, and says so', async () => {
    const result = await qsc(TAGS, { QSUB_CONTAINER_AUTH_FILE: '/nonexistent/auth.json' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('answering from the offline seed');
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'seed', selected: { tag: '23.01-tf2-py3' } });
  });

  it.each([
    ['refused credentials', () => authFile('not-the-password', 0o600), /refused the credentials/],
    ['a credential file others can read', () => authFile('x', 0o644), /readable by others.*chmod 600/],
  ])('fails with 77 on %s instead of guessing offline', async (_what, makeFile, message) => {
    const result = await qsc(TAGS, { QSUB_CONTAINER_AUTH_FILE: makeFile() });
    expect(result.code).toBe(77);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});

describe('qsub-container detect', () => {
  it('probes each partition through Slurm, then answers from the cache', async () => {
    const probed = await qsc(['detect', '-p', 'gengpu', '-p', 'gpu-legacy', '--refresh', '--json']);
    expect(probed.code, probed.stderr).toBe(0);
    expect(JSON.parse(probed.stdout)).toEqual([
      {
        partition: 'gengpu',
        driverVersion: '580.159.04',
        source: 'gpu-probe', // gpu01 has no /proc/driver/nvidia: the CPU-only probe hands over to nvidia-smi
        gpus: [expect.objectContaining({ name: 'NVIDIA H100 80GB HBM3' })],
        groups: [expect.objectContaining({ nodes: ['gpu01'], source: 'gpu-probe', ageSeconds: 0 })],
        cached: false,
      },
      {
        partition: 'gpu-legacy',
        driverVersion: '525.105.17',
        source: 'gpu-probe',
        gpus: [expect.objectContaining({ name: expect.stringContaining('V100') })],
        groups: [expect.objectContaining({ nodes: ['gpu01'] })],
        cached: false,
      },
    ]);
    const again = await qsc(['detect', '-p', 'gengpu', '--json']);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ driverVersion: '580.159.04', cached: true });
  });

  it('parses a saved nvidia-smi output, and exits 65 on a failure text', async () => {
    const ok = await qsc([
      'detect',
      '--nvidia-smi-output',
      '/usr/local/share/qsc-testbed/nvidia-smi/h100-580.159.04-qx.xml',
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      driverVersion: '580.159.04',
      cudaVersion: '13.0',
      gpus: [{ name: 'NVIDIA H100 80GB HBM3' }],
    });
    const failed = await qsc([
      'detect',
      '--nvidia-smi-output',
      '/usr/local/share/qsc-testbed/nvidia-smi/public-fail-nvml-mismatch-1.txt',
    ]);
    expect(failed.code).toBe(65);
    expect(failed.stderr).toContain('driver-library-mismatch');
    expect(failed.stderr).toContain("the loaded kernel module's version is in /proc/driver/nvidia/version");
  });

  it('reads a saved /proc/driver/nvidia/version: the kernel module names the driver alone', async () => {
    const file = fixtureForUser('nvidia-proc-version/public-565.57.01-x86_64-open-ubuntu.txt');
    const json = await qsc(['detect', '--nvidia-smi-output', file, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      driverVersion: '565.57.01',
      cudaVersion: null,
      gpus: [],
      source: 'kernel-module',
    });
    const text = await qsc(['detect', '--nvidia-smi-output', file]);
    expect(text.stdout).toBe('driver 565.57.01 (kernel module; the file names no CUDA version or GPUs)\n');
  });

  it.each([
    ['nvidia-smi/public-version-590.48.01.txt', '590.48.01', '13.1'],
    ['nvidia-smi/public-version-616.56-kmd-umd.txt', '616.56', '13.4'],
    ['nvidia-smi/public-610.47-q-deprecated-excerpt.txt', '610.47', '13.3'],
    ['nvidia-smi/synthetic-utf16le-bom-560.94-version.txt', '560.94', '12.6'],
  ])('reads %s (--version, a 610 -q, a UTF-16 capture)', async (fixture, driver, cuda) => {
    const json = await qsc(['detect', '--nvidia-smi-output', fixtureForUser(fixture), '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ driverVersion: driver, cudaVersion: cuda });
  });

  it.each([
    ['nvidia-smi/h100-580.159.04-L.txt', /names no driver version: nvidia-smi -L lists 1 GPU\(s\)/],
    ['nvidia-smi/public-csv-no-driver-h200-x4.txt', /names no driver version: the --query-gpu CSV/],
    ['nvidia-smi/synthetic-csv-noheader-power-limits.txt', /headerless CSV of 2 fields/],
  ])('exits 65 on %s, which names no driver (never an empty driver)', async (fixture, message) => {
    const result = await qsc(['detect', '--nvidia-smi-output', fixtureForUser(fixture)]);
    expect(result.code).toBe(65);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Hint: capture `nvidia-smi --query-gpu=driver_version,name --format=csv`');
  });

  it('exits 66 with the path on a missing, unreadable or directory file, not as a bug', async () => {
    const unreadable = textForUser('secret-smi.txt', '580.159.04\n', 0o600);
    chmodSync(unreadable, 0o600); // root's: the cluster user cannot read it
    const directory = join(dirname(unreadable), 'a-directory');
    mkdirSync(directory);
    for (const [path, why] of [
      ['/nonexistent/nvidia-smi.txt', 'no such file'],
      [unreadable, 'permission denied'],
      [directory, 'it is a directory'],
    ]) {
      const result = await qsc(['detect', '--nvidia-smi-output', path!]);
      expect(result.code, result.stderr).toBe(66);
      expect(result.stderr).toContain(`cannot read --nvidia-smi-output ${path}: ${why}`);
      expect(result.stderr).toContain('Hint: give a file you can read');
      expect(result.stderr).not.toContain('internal error');
    }
  });
});
