// The driver map over --host: the read's argv (only recordable node names travel) and its output parsed into readings
// (a line that does not fit the groups asked for is ignored). Its bash runs in test/integration/remote-driver-map.test.ts.
import { describe, expect, it } from 'vitest';
import { formatFactRecord } from '../../../src/gpu/driver-facts.js';
import { parseRemoteRead, remoteReadArgv, REMOTE_READ_SCRIPT } from '../../../src/gpu/remote-driver-map.js';

const groups = [{ nodes: ['gpu01', 'gpu02'] }, { nodes: ['gpu03', 'bad node;rm'] }];
const record = formatFactRecord({
  node: 'gpu03',
  driverVersion: '580.159.04',
  gpuModels: ['NVIDIA H100 80GB HBM3'],
  source: 'warmer',
  recordedAt: 1_700_000_000,
  recordedBy: { uid: 991, user: 'qscwarm' },
}).trimEnd();

describe('remoteReadArgv', () => {
  it('passes the map, the reads per group, the trusted uids and one argument per group', () => {
    expect(remoteReadArgv('/shared/map', [991, 0], groups)).toEqual([
      'bash',
      '-c',
      REMOTE_READ_SCRIPT,
      'qsc-driver-map',
      '/shared/map',
      '2',
      '991 0',
      'gpu01 gpu02',
      'gpu03',
    ]);
  });
});

describe('parseRemoteRead', () => {
  it("reads your uid and each group's records with their owners", () => {
    const read = parseRemoteRead(`uid\t1001\nr\t1\tgpu03\t991\t${record}\n`, groups);
    expect(read?.uid).toBe(1001);
    expect(read?.readings[0]).toEqual([]);
    expect(read?.readings[1]).toEqual([
      expect.objectContaining({ node: 'gpu03', ownerUid: 991, parsed: expect.objectContaining({ kind: 'fact' }) }),
    ]);
  });

  it('ignores lines for a group or node not asked for, and answers nothing without a uid line', () => {
    const stray = [`r\t2\tgpu03\t991\t${record}`, `r\t0\tgpu03\t991\t${record}`, `r\t1\tgpu03\tx\t${record}`];
    expect(parseRemoteRead(['uid\t1001', ...stray].join('\n'), groups)?.readings).toEqual([[], []]);
    expect(parseRemoteRead(`r\t1\tgpu03\t991\t${record}\n`, groups)).toBeUndefined();
  });
});
