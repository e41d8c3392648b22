// The driver map on a real file system (src/gpu/driver-map-fs.ts), as any user: records written by temp + rename, read
// without following links or hanging on a FIFO (other owners: test/e2e/driver-map-owners.test.ts, as root).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFactRecord, type NodeFact } from '../../src/gpu/driver-facts.js';
import { nodeDriverMapFs, recordFact } from '../../src/gpu/driver-map-fs.js';
import { recordPath, writerDir } from '../../src/gpu/driver-map-layout.js';

const ME = process.getuid!();
const NOW = Math.floor(Date.now() / 1000);
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function map(): string {
  const root = mkdtempSync(join(tmpdir(), 'qsc-driver-map-'));
  temps.push(root);
  const dir = join(root, 'map');
  mkdirSync(dir, { mode: 0o1777 });
  return dir;
}
const fact = (node: string, driver = '580.159.04'): NodeFact => ({
  node,
  driverVersion: driver,
  gpuModels: ['NVIDIA H100 80GB HBM3'],
  source: 'cpu-probe',
  recordedAt: NOW - 60,
  recordedBy: { uid: ME, user: 'warmer' },
});

describe('recordFact', () => {
  it('writes one 0644 record in a 0755 directory of its own, by rename, with no temp file left', async () => {
    const m = map();
    expect(await recordFact(m, ME, fact('gpu01'))).toEqual({ kind: 'recorded', path: recordPath(m, ME, 'gpu01') });
    expect(readdirSync(writerDir(m, ME))).toEqual(['gpu01']);
    expect(statSync(writerDir(m, ME)).mode & 0o7777).toBe(0o755);
    expect(statSync(recordPath(m, ME, 'gpu01')).mode & 0o777).toBe(0o644);
    const first = statSync(recordPath(m, ME, 'gpu01')).ino;
    await recordFact(m, ME, fact('gpu01', '590.48.01'));
    expect(statSync(recordPath(m, ME, 'gpu01')).ino).not.toBe(first);
    expect(readdirSync(writerDir(m, ME))).toEqual(['gpu01']);
  });

  it('refuses a writer directory that is a symlink, and writes nothing through it', async () => {
    const m = map();
    const elsewhere = join(m, '..', 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, writerDir(m, ME));
    expect(await recordFact(m, ME, fact('gpu01'))).toMatchObject({ kind: 'refused' });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a node name that is no file name', async () => {
    expect(await recordFact(map(), ME, fact('../gpu01'))).toMatchObject({ kind: 'refused' });
  });
});

describe('nodeDriverMapFs', () => {
  it('reads a regular record with its owner, and nothing through a symlink, a FIFO or a directory', async () => {
    const m = map();
    await recordFact(m, ME, fact('gpu01'));
    const dir = writerDir(m, ME);
    expect(await nodeDriverMapFs.readRecord(recordPath(m, ME, 'gpu01'))).toEqual({
      text: formatFactRecord(fact('gpu01')),
      uid: ME,
    });
    symlinkSync(recordPath(m, ME, 'gpu01'), join(dir, 'gpu02'));
    execFileSync('mkfifo', [join(dir, 'gpu03')]);
    mkdirSync(join(dir, 'gpu04'));
    for (const node of ['gpu02', 'gpu03', 'gpu04', 'gpu05'])
      expect(await nodeDriverMapFs.readRecord(recordPath(m, ME, node))).toBeUndefined();
    expect(lstatSync(join(dir, 'gpu03')).isFIFO()).toBe(true);
    expect(await nodeDriverMapFs.list(join(m, 'u424242'))).toBeUndefined();
  });
});
