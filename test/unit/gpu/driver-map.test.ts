// The driver map's layout and read plan (O(node groups) opens), read through an in-memory file-system port.
import { describe, expect, it } from 'vitest';
import { formatFactRecord, knowGroup, type NodeFact } from '../../../src/gpu/driver-facts.js';
import { planFactReads, recordNames, recordPath, writerDir } from '../../../src/gpu/driver-map-layout.js';
import type { NodeState } from '../../../src/gpu/node-state.js';
import { readGroupFacts, type DriverMapFs } from '../../../src/gpu/read-driver-map.js';

const ME = 1001;
const WARMER = 990;
const MAP = '/shared/qsc/driver-map/';

/** An in-memory map: path → {text, uid}; counts every call, as the bench does on a real one. */
function memoryFs(files: Record<string, { text: string; uid: number }>) {
  const calls: string[] = [];
  const fs: DriverMapFs = {
    async list(dir) {
      calls.push(`list ${dir}`);
      const names = Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1));
      return names.length ? names : undefined;
    },
    async readRecord(path) {
      calls.push(`read ${path}`);
      return files[path];
    },
  };
  return { fs, calls };
}

const fact = (node: string, driver: string, at = 2000): NodeFact => ({
  node,
  driverVersion: driver,
  gpuModels: ['NVIDIA H100 80GB HBM3'],
  source: 'job',
  recordedAt: at,
  recordedBy: { uid: ME, user: 'alice' },
});
const state = (node: string): NodeState => ({
  node,
  bootTime: 1000,
  slurmdStartTime: 1500,
  state: 'IDLE',
  gres: 'gpu:h100:8',
  features: [],
  partitions: ['gengpu'],
});

describe('the layout', () => {
  it('gives each writer a directory named by uid, and each node one record in it', () => {
    expect(writerDir(MAP, ME)).toBe('/shared/qsc/driver-map/u1001');
    expect(recordPath(MAP, ME, 'gpu01')).toBe('/shared/qsc/driver-map/u1001/gpu01');
  });

  it('skips temp files and names that are no node in a listing', () => {
    expect([...recordNames(['gpu01', '.gpu01.123.4567', '..', 'a/b', 'gpu-02.cluster'])]).toEqual([
      'gpu01',
      'gpu-02.cluster',
    ]);
  });
});

describe('planFactReads', () => {
  const groups = [{ nodes: ['a1', 'a2', 'a3'] }, { nodes: ['b1', 'b2'] }, { nodes: ['c1'] }];

  it('opens at most perGroup records per group, yours before the trusted accounts’, usable nodes first', () => {
    const plan = planFactReads(
      groups,
      [
        { uid: ME, names: new Set(['a3']) },
        { uid: WARMER, names: new Set(['a1', 'a2', 'b2']) },
      ],
      2,
    );
    expect(plan).toEqual([
      [
        { uid: ME, node: 'a3' },
        { uid: WARMER, node: 'a1' },
      ],
      [{ uid: WARMER, node: 'b2' }],
      [],
    ]);
  });
});

describe('readGroupFacts', () => {
  it('costs one listing per writer and one open per known group, whatever the number of nodes', async () => {
    const files: Record<string, { text: string; uid: number }> = {};
    const groups = Array.from({ length: 40 }, (_, g) => ({
      nodes: Array.from({ length: 50 }, (_, n) => `g${g}n${n}`),
    }));
    for (const group of groups)
      for (const node of group.nodes)
        files[recordPath(MAP, WARMER, node)] = { text: formatFactRecord(fact(node, '580.159.04')), uid: WARMER };
    const { fs, calls } = memoryFs(files);
    const readings = await readGroupFacts(fs, { mapDir: MAP, writers: [ME, WARMER], groups, perGroup: 1 });
    expect(calls.filter((c) => c.startsWith('list'))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('read'))).toHaveLength(40);
    const states = new Map(groups.flatMap((g) => g.nodes).map((n) => [n, state(n)]));
    const known = readings.map((r) => knowGroup(r, states, { me: ME, trustedAccounts: [WARMER], now: 3000 }));
    expect(known.every((k) => k.kind === 'known' && k.driverVersion === '580.159.04')).toBe(true);
  });

  it("reads only your and the trusted accounts' directories: a neighbour's is never opened", async () => {
    const { fs, calls } = memoryFs({
      [recordPath(MAP, 1002, 'a1')]: { text: formatFactRecord(fact('a1', '999.0')), uid: 1002 },
      [recordPath(MAP, ME, 'a1')]: { text: formatFactRecord(fact('a1', '580.159.04')), uid: ME },
    });
    const [readings] = await readGroupFacts(fs, { mapDir: MAP, writers: [ME, WARMER], groups: [{ nodes: ['a1'] }] });
    expect(readings).toMatchObject([{ node: 'a1', ownerUid: ME, parsed: { kind: 'fact' } }]);
    expect(calls.some((c) => c.includes('/u1002'))).toBe(false);
  });

  it('passes the file owner the port reports on, so a record squatted into your directory is not yours', async () => {
    const { fs } = memoryFs({
      [recordPath(MAP, ME, 'a1')]: { text: formatFactRecord(fact('a1', '999.0')), uid: 1002 },
    });
    const [readings] = await readGroupFacts(fs, { mapDir: MAP, writers: [ME], groups: [{ nodes: ['a1'] }] });
    expect(knowGroup(readings!, new Map([['a1', state('a1')]]), { me: ME, trustedAccounts: [], now: 3000 })).toEqual({
      kind: 'unknown',
      rejected: [{ node: 'a1', reason: expect.stringContaining('written by uid 1002') }],
    });
  });

  it('answers unknown without any open when no writer has a record for the group', async () => {
    const { fs, calls } = memoryFs({});
    const readings = await readGroupFacts(fs, { mapDir: MAP, writers: [ME, WARMER], groups: [{ nodes: ['a1'] }] });
    expect(readings).toEqual([[]]);
    expect(calls).toEqual([`list ${writerDir(MAP, ME)}`, `list ${writerDir(MAP, WARMER)}`]);
  });
});
