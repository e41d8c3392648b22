// The driver map over --host (src/gpu/remote-driver-map.ts), its bash run by a real local runner against temp maps, as
// any user: one command reads what the file-system reader reads, never opens a FIFO, judges a symlink by the file it
// opened, and records as the local recorder does (other owners: test/e2e/driver-map-owners.test.ts; over SSH:
// test/e2e/driver-map-host.test.ts).
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFactRecord, type NodeFact } from '../../src/gpu/driver-facts.js';
import { localDriverMap } from '../../src/gpu/driver-map-fs.js';
import { recordPath, writerDir } from '../../src/gpu/driver-map-layout.js';
import { runnerDriverMap } from '../../src/gpu/remote-driver-map.js';
import { createLocalRunner } from '../../src/transport/local-runner.js';
import type { Runner } from '../../src/transport/runner.js';

const ME = process.getuid!();
const NOW = Math.floor(Date.now() / 1000);
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The local runner, counting its commands: the read must be one. */
function counted() {
  const inner = createLocalRunner(process.env);
  const calls: string[][] = [];
  const runner: Runner = {
    id: inner.id,
    run: (request) => (calls.push([...request.argv]), inner.run(request)),
  };
  return { runner, calls };
}

function map(): string {
  const root = mkdtempSync(join(tmpdir(), 'qsc-remote-map-'));
  temps.push(root);
  const dir = join(root, 'map');
  mkdirSync(dir, { mode: 0o1777 });
  return dir;
}
const fact = (node: string, driver = '580.159.04'): NodeFact => ({
  node,
  driverVersion: driver,
  gpuModels: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'],
  source: 'cpu-probe',
  recordedAt: NOW - 60,
  recordedBy: { uid: ME, user: String(ME) },
});

describe('the driver map through the runner', () => {
  it('records as the local recorder does: a 0644 record in a 0755 directory of your own, by rename', async () => {
    const m = map();
    const { runner } = counted();
    const access = runnerDriverMap(runner);
    expect(await access.record(m, ME, fact('gpu01'))).toEqual({ kind: 'recorded', path: recordPath(m, ME, 'gpu01') });
    expect(readFileSync(recordPath(m, ME, 'gpu01'), 'utf8')).toBe(formatFactRecord(fact('gpu01')));
    expect(statSync(writerDir(m, ME)).mode & 0o7777).toBe(0o755);
    expect(statSync(recordPath(m, ME, 'gpu01')).mode & 0o777).toBe(0o644);
    const first = statSync(recordPath(m, ME, 'gpu01')).ino;
    await access.record(m, ME, fact('gpu01', '590.48.01'));
    expect(statSync(recordPath(m, ME, 'gpu01')).ino).not.toBe(first);
    expect(readdirSync(writerDir(m, ME))).toEqual(['gpu01']); // no temp file left
  });

  it('refuses a writer directory that is a symlink, and a node name that is no file name', async () => {
    const m = map();
    const elsewhere = join(m, '..', 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, writerDir(m, ME));
    const access = runnerDriverMap(counted().runner);
    expect(await access.record(m, ME, fact('gpu01'))).toMatchObject({ kind: 'refused' });
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(await access.record(map(), ME, fact('../gpu01'))).toMatchObject({ kind: 'refused' });
  });

  it('reads in one command what the file-system reader reads, O(groups) records; a FIFO is skipped, not opened', async () => {
    const m = map();
    const local = localDriverMap(ME);
    const nodes = Array.from({ length: 30 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    for (const node of nodes) await local.record(m, ME, fact(node));
    execFileSync('mkfifo', [join(writerDir(m, ME), 'fifo01')]);
    const groups = [{ nodes: nodes.slice(0, 10) }, { nodes: nodes.slice(10) }, { nodes: ['fifo01'] }, { nodes: [] }];
    const { runner, calls } = counted();
    const remote = await runnerDriverMap(runner).readGroups({ mapDir: m, trustedUids: [], groups });
    expect(calls).toHaveLength(1);
    expect(remote).toEqual(await local.readGroups({ mapDir: m, trustedUids: [], groups }));
    expect(remote.uid).toBe(ME);
    expect(remote.readings.map((r) => r.map((x) => x.node))).toEqual([['n00', 'n01'], ['n10', 'n11'], [], []]);
  });

  it("judges a symlinked record by the file it opened: another node's record read through it is invalid", async () => {
    const m = map();
    const local = localDriverMap(ME);
    await local.record(m, ME, fact('gpu03'));
    symlinkSync(recordPath(m, ME, 'gpu03'), recordPath(m, ME, 'gpu05'));
    expect(lstatSync(recordPath(m, ME, 'gpu05')).isSymbolicLink()).toBe(true);
    const { readings } = await runnerDriverMap(counted().runner).readGroups({
      mapDir: m,
      trustedUids: [],
      groups: [{ nodes: ['gpu05'] }],
    });
    expect(readings[0]).toEqual([
      { node: 'gpu05', ownerUid: ME, parsed: { kind: 'invalid', reason: 'names node gpu03 in the file of gpu05' } },
    ]);
  });

  it('names in a listing are keys, never code: hostile names neither run nor hide a record', async () => {
    const m = map();
    await localDriverMap(ME).record(m, ME, fact('gpu01'));
    const dir = writerDir(m, ME);
    for (const name of ['$(touch pwned)', '`touch pwned`', ']', '@', '*', 'a b', '-f'])
      writeFileSync(join(dir, name), '');
    const { readings } = await runnerDriverMap(counted().runner).readGroups({
      mapDir: m,
      trustedUids: [],
      groups: [{ nodes: ['gpu01'] }],
    });
    expect(readings[0]!.map((r) => r.node)).toEqual(['gpu01']);
    expect(readdirSync(dir).filter((n) => n === 'pwned')).toEqual([]);
    for (const where of [join(m, '..'), process.cwd()]) expect(readdirSync(where)).not.toContain('pwned');
  });

  it('asked for no groups, says only who you are; a missing map is an empty one', async () => {
    const access = runnerDriverMap(counted().runner);
    expect(await access.readGroups({ mapDir: map(), trustedUids: [4242], groups: [] })).toEqual({
      uid: ME,
      readings: [],
    });
    expect(
      await access.readGroups({ mapDir: '/nonexistent/qsc-map', trustedUids: [], groups: [{ nodes: ['gpu01'] }] }),
    ).toEqual({ uid: ME, readings: [[]] });
  });
});
