// The job's driver-fact recorder (job-templates/_record-node-fact.mustache) run by real bash against temp map directories:
// one atomic write, no process while the record is current, symlinks and foreign directories refused; and it agrees
// with the TypeScript side (src/gpu/gpu-information.ts, src/gpu/driver-facts.ts) on every fixture.
import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFactRecord, parseFactRecord } from '../../src/gpu/driver-facts.js';
import { parseGpuInformation } from '../../src/gpu/gpu-information.js';

const SNIPPET = new URL('../../job-templates/_record-node-fact.mustache', import.meta.url).pathname;
const GPU_FIXTURES = new URL('../fixtures/nvidia-proc-gpus/', import.meta.url);
const UID = process.getuid!();
const H100 = 'Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 33\nBus Location: \t 0000:00:06.0\n';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A map root (sticky, as a site makes it) and a gpus dir holding these information texts, one GPU each. */
function setup(gpuTexts: readonly string[] = [H100, H100]) {
  const root = mkdtempSync(join(tmpdir(), 'qsc-record-fact-'));
  temps.push(root);
  const map = join(root, 'map');
  mkdirSync(map, { mode: 0o1777 });
  const gpus = join(root, 'gpus');
  gpuTexts.forEach((text, i) => {
    mkdirSync(join(gpus, `0000:0${i}:00.0`), { recursive: true });
    writeFileSync(join(gpus, `0000:0${i}:00.0`, 'information'), text);
  });
  return { root, map, gpus, dir: join(map, `u${UID}`), record: join(map, `u${UID}`, 'gpu01') };
}

/** Run a script under real bash; --norc: bash reads ~/.bashrc when its stdin is a socket, as Node's pipes are. */
function runBash(script: string, trace?: string) {
  const bash = ['bash', '--norc', '-c', script];
  const argv = trace
    ? ['strace', '-f', '-qq', '-e', 'trace=execve,clone,clone3,fork,vfork', '-o', trace, ...bash]
    : bash;
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', USER: 'tester' } });
}

/** Source the snippet and call it, under `set -euo pipefail` as the job runs; optionally under strace. */
function record(map: string, gpus: string, args: { driver?: string; notBefore?: number; trace?: string } = {}) {
  const values = [map, 'gpu01', args.driver ?? '580.159.04', 'job', String(args.notBefore ?? 0), '21600', gpus];
  const call = `set -euo pipefail; source '${SNIPPET}'; record_node_fact ${values.map((a) => `'${a}'`).join(' ')}; echo done`;
  const result = runBash(call, args.trace);
  expect(result.stdout, result.stderr).toBe('done\n');
  expect(result.stderr).toBe('');
  return result;
}

const entries = (dir: string) => readdirSync(dir).sort();

describe('record_node_fact', () => {
  it('writes exactly one record, atomically, in a 0755 directory of its own', () => {
    const { map, gpus, dir, record: file } = setup();
    record(map, gpus);
    expect(entries(map)).toEqual([`u${UID}`]);
    expect(entries(dir)).toEqual(['gpu01']); // no temp file left beside it
    expect(statSync(dir).mode & 0o7777).toBe(0o755);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const [tag, node, driver, at, source, user, models] = readFileSync(file, 'utf8').replace(/\n$/, '').split('\t');
    expect([tag, node, driver, source, user, models]).toEqual([
      'qsc-node-fact/1',
      'gpu01',
      '580.159.04',
      'job',
      'tester',
      'NVIDIA H100 80GB HBM3|NVIDIA H100 80GB HBM3',
    ]);
    expect(Math.abs(Number(at) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('starts no process at all while the record is current (a cached start), and leaves it untouched', () => {
    const { root, map, gpus, record: file } = setup();
    record(map, gpus);
    const before = statSync(file);
    const trace = join(root, 'trace');
    record(map, gpus, { trace });
    const calls = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    expect(calls.filter((l) => /execve\(/.test(l))).toHaveLength(1); // bash itself
    expect(calls.filter((l) => /\b(clone3?|v?fork)\(/.test(l))).toEqual([]);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('rewrites a record that is different or stale: another driver, older than the boot or than NOT_BEFORE', () => {
    const { map, gpus, record: file } = setup();
    record(map, gpus);
    const first = statSync(file).ino;
    record(map, gpus, { driver: '590.48.01' });
    expect(readFileSync(file, 'utf8')).toContain('\t590.48.01\t');
    expect(statSync(file).ino).not.toBe(first); // replaced by rename, not rewritten in place
    // Recorded before this machine booted: stale.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\t\d+\tjob\t/, '\t1000\tjob\t'));
    record(map, gpus, { driver: '590.48.01' });
    expect(readFileSync(file, 'utf8')).not.toContain('\t1000\tjob\t');
    // The submitter saw it stale (slurmd restarted): NOT_BEFORE after its time.
    const at = Number(readFileSync(file, 'utf8').split('\t')[3]);
    writeFileSync(file, readFileSync(file, 'utf8').replace(`\t${at}\t`, `\t${at - 10}\t`));
    record(map, gpus, { driver: '590.48.01', notBefore: at - 5 });
    expect(Number(readFileSync(file, 'utf8').split('\t')[3])).toBeGreaterThanOrEqual(at);
  });

  it('refuses a directory that is a symlink, and writes nothing through it', () => {
    const { root, map, gpus, dir } = setup();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, dir);
    record(map, gpus);
    expect(entries(elsewhere)).toEqual([]);
    expect(lstatSync(dir).isSymbolicLink()).toBe(true);
  });

  it('replaces a record that is a symlink by a file, never writing to its target', () => {
    const { root, map, gpus, dir, record: file } = setup();
    mkdirSync(dir, { mode: 0o755 });
    const target = join(root, 'target');
    writeFileSync(target, 'untouched\n');
    symlinkSync(target, file);
    record(map, gpus);
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^qsc-node-fact\/1\tgpu01\t580\.159\.04\t/);
  });

  it('does nothing, successfully, on a bad node name, a bad driver or a missing map', () => {
    const { root, map, gpus } = setup();
    for (const [m, node, driver] of [
      [map, '../escape', '580.159.04'],
      [map, 'gpu01', 'N/A'],
      [join(root, 'no-map'), 'gpu01', '580.159.04'],
    ]) {
      const result = runBash(
        `set -euo pipefail; source '${SNIPPET}'; record_node_fact '${m}' '${node}' '${driver}' job 0 60 '${gpus}'; echo done`,
      );
      expect(result.stdout).toBe('done\n');
    }
    expect(entries(map)).toEqual([]);
    expect(entries(root)).not.toContain('escape');
  });
});

describe('record_node_fact and the TypeScript side agree', () => {
  const fixtures = readdirSync(GPU_FIXTURES).filter((f) => f !== 'README.md');
  const edge: ReadonlyArray<readonly [string, string]> = [
    ['spaces instead of tabs, trailing blanks', 'Model:           Tesla V100-SXM2-32GB   \nIRQ: 1\n'],
    ['CRLF line ends', 'Model: \t\t NVIDIA A100-SXM4-80GB\r\nIRQ: 1\r\n'],
    ['no Model line', 'IRQ:   \t\t 33\nBus Type: \t PCI\n'],
    ['an empty Model, then none', 'Model:\t\t \nIRQ: 1\n'],
    ['Model not first', 'IRQ: 1\nModel: \t\t NVIDIA L4\n'],
    ['a "|" and a control character in the name', 'Model: \t\t Odd|GPU\u0001X\n'],
  ];
  const cases = [...fixtures.map((f) => [f, readFileSync(new URL(f, GPU_FIXTURES), 'utf8')] as const), ...edge];

  it.each(cases)('reads the model of %s alike', (_label, text) => {
    const { map, gpus, record: file } = setup([text]);
    record(map, gpus);
    const parsed = parseFactRecord(readFileSync(file, 'utf8'), 'gpu01', UID);
    expect(parsed.kind).toBe('fact');
    const expected = parseGpuInformation(text);
    if (parsed.kind === 'fact') expect(parsed.fact.gpuModels).toEqual(expected ? [expected.model] : []);
  });

  it('takes a record the TypeScript side wrote as current, and the TypeScript side reads what bash wrote', () => {
    const { map, gpus, dir, record: file } = setup();
    mkdirSync(dir, { mode: 0o755 });
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      file,
      formatFactRecord({
        node: 'gpu01',
        driverVersion: '580.159.04',
        gpuModels: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'],
        source: 'cpu-probe',
        recordedAt: now,
        recordedBy: { uid: UID, user: 'warmer' },
      }),
    );
    utimesSync(file, now - 100, now - 100);
    const before = statSync(file).mtimeMs;
    record(map, gpus);
    expect(statSync(file).mtimeMs).toBe(before); // current: not rewritten
    expect(parseFactRecord(readFileSync(file, 'utf8'), 'gpu01', UID)).toMatchObject({
      kind: 'fact',
      fact: { driverVersion: '580.159.04', source: 'cpu-probe', recordedBy: { uid: UID, user: 'warmer' } },
    });
  });
});
