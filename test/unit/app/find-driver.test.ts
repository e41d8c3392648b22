// app/find-driver.ts decides from the site's driver map (an in-memory one), Slurm's node states and probes on the fake
// runner: a trusted, fresh fact answers without a probe; a stranger's or a stale one is learned again; a busy partition
// with nothing known ends with exit 75 and what was tried.
import { describe, expect, it } from 'vitest';
import type { DriverMapAccess } from '../../../src/app/deps.js';
import { detectPartitions } from '../../../src/app/detect.js';
import { DRIVER_FLAG_BYPASS, findDriver } from '../../../src/app/find-driver.js';
import { formatAge } from '../../../src/cli/commands/detect.js';
import { ExitCode } from '../../../src/errors.js';
import { cpuProbeArgv } from '../../../src/gpu/cpu-probe.js';
import { formatFactRecord, type FactSource, type NodeFact } from '../../../src/gpu/driver-facts.js';
import { recordPath, writerDir } from '../../../src/gpu/driver-map-layout.js';
import { sinfoNodesArgv } from '../../../src/gpu/node-groups.js';
import { scontrolShowNodesArgv } from '../../../src/gpu/node-state.js';
import { probeArgv } from '../../../src/gpu/probe.js';
import { driverMapOnFs, type DriverMapFs } from '../../../src/gpu/read-driver-map.js';
import { sinfoPartitionArgv } from '../../../src/slurm/sinfo.js';
import { testDeps, testSettings, NOW } from '../../support/app-deps.js';
import { ok, recorded, type Exchange } from '../../support/fake-runner.js';

const MAP = '/shared/qsc-driver-map';
const ME = 1000;
const WARMER = 991;
const MALLORY = 1001;
const NOW_S = NOW / 1000;
const H100 = 'NVIDIA H100 80GB HBM3';

/** An in-memory driver map: records by path with their owner, and what the use case wrote. */
function memoryMap(uid = ME): DriverMapAccess & { files: Map<string, { text: string; uid: number }> } {
  const files = new Map<string, { text: string; uid: number }>();
  const fs: DriverMapFs = {
    async list(dir) {
      const names = [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1));
      return names.length ? names : undefined;
    },
    async readRecord(path) {
      return files.get(path);
    },
  };
  return Object.assign(
    driverMapOnFs(fs, uid, async (mapDir, writer, fact) => {
      const path = recordPath(mapDir, writer, fact.node);
      files.set(path, { text: formatFactRecord(fact), uid: writer });
      return { kind: 'recorded' as const, path };
    }),
    { files },
  );
}

const fact = (node: string, driver: string, source: FactSource, ageSeconds: number, by: number): NodeFact => ({
  node,
  driverVersion: driver,
  gpuModels: [H100],
  source,
  recordedAt: NOW_S - ageSeconds,
  recordedBy: { uid: by, user: String(by) },
});

const plant = (map: ReturnType<typeof memoryMap>, f: NodeFact, owner = f.recordedBy.uid, dirUid = owner) =>
  map.files.set(recordPath(MAP, dirUid, f.node), { text: formatFactRecord(f), uid: owner });

const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 19);
/** scontrol show node -o for nodes that booted 3 days ago and whose slurmd started `slurmdAgo` seconds ago. */
const showNodes = (nodes: readonly string[], slurmdAgo = 2 * 86400) =>
  ok(
    scontrolShowNodesArgv(nodes),
    nodes
      .map(
        (n) =>
          `NodeName=${n} Arch=x86_64 State=ALLOCATED Gres=gpu:h100:2 Partitions=gengpu  BootTime=${iso(NOW_S - 3 * 86400)} SlurmdStartTime=${iso(NOW_S - slurmdAgo)} LastBusyTime=${iso(NOW_S)}`,
      )
      .join('\n') + '\n',
  );

const GENGPU = ['sinfo-partition-gengpu', 'sinfo-nodes-gengpu'].map(recorded);
const MIXED: Exchange[] = [
  ok(sinfoPartitionArgv('gpu-mixed'), 'gpu-mixed|gpu:v100:2\ngpu-mixed|gpu:h100:2\n'),
  ok(sinfoNodesArgv('gpu-mixed'), 'gpu02|gpu:v100:2|v100|alloc\ngpu03|gpu:h100:2|h100|alloc\n'),
];
const cpuProbe = (partition: string, node: string, wait = 60) =>
  cpuProbeArgv({ partition, node, account: undefined, waitSeconds: wait });
const PROC_580 = `NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AF03-09-1)  Thu Oct 30 05:20:38 UTC 2025
GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04.2)
--- qsub-container gpu /proc/driver/nvidia/gpus/0000:00:06.0/information
Model: \t\t ${H100}
`;
const BUSY = 'srun: error: Unable to allocate resources: Requested nodes are busy\n';

function deps(exchanges: readonly Exchange[], map = memoryMap()) {
  return Object.assign(testDeps(exchanges), { driverMap: map });
}
const settings = (driverMap: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  testSettings({ driverMap: { dir: MAP, trustedUids: [WARMER], ...driverMap }, ...more });
const query = { gpuType: undefined, refresh: false };
const srunCalls = (d: ReturnType<typeof deps>) => d.runner.calls.filter((c) => c.argv[0] === 'srun');

describe('findDriver with the site driver map', () => {
  it("a job's fresh fact of your own answers while every GPU is taken: no probe", async () => {
    const map = memoryMap();
    plant(map, fact('gpu01', '580.159.04', 'job', 600, ME));
    const d = deps([...GENGPU, showNodes(['gpu01'])], map);
    const found = await findDriver(d, settings(), 'gengpu', query);
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'job', cached: true, gpus: [{ name: H100 }] });
    expect(found.groups?.[0]).toMatchObject({ source: 'job', ageSeconds: 600, probedNode: 'gpu01' });
    expect(srunCalls(d)).toEqual([]);
  });

  it("the warmer's facts count for everyone; a neighbour's planted fact does not, wherever it sits", async () => {
    const map = memoryMap();
    plant(map, fact('gpu01', '999.99.99', 'job', 60, MALLORY)); // her own directory
    plant(map, fact('gpu01', '999.99.99', 'job', 60, MALLORY), MALLORY, ME); // a file of hers in your directory
    plant(map, fact('gpu01', '580.159.04', 'warmer', 3600, WARMER));
    const d = deps([...GENGPU, showNodes(['gpu01'])], map);
    const found = await findDriver(d, settings(), 'gengpu', query);
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'warmer' });
    expect(srunCalls(d)).toEqual([]);
  });

  it('a fact older than the node’s slurmd restart (an upgrade) is not used: the CPU probe learns it and records it', async () => {
    const map = memoryMap();
    plant(map, fact('gpu01', '550.90.07', 'job', 3600, ME));
    const d = deps([...GENGPU, showNodes(['gpu01'], 600), ok(cpuProbe('gengpu', 'gpu01'), PROC_580)], map);
    const found = await findDriver(d, settings(), 'gengpu', query);
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'cpu-probe', cached: false });
    expect(srunCalls(d).map((c) => c.argv.some((a) => a.startsWith('--gres')))).toEqual([false]);
    expect(map.files.get(recordPath(MAP, ME, 'gpu01'))?.text).toMatch(
      /^qsc-node-fact\/1\tgpu01\t580\.159\.04\t\d+\tcpu-probe\t/,
    );
  });

  it('a map that cannot be read (the login node refused the command) is learned as empty, and not written', async () => {
    const map = memoryMap();
    const unreadable = {
      ...map,
      readGroups: () => Promise.reject(new Error('exit 255')),
    };
    const d = deps([...GENGPU, ok(cpuProbe('gengpu', 'gpu01'), PROC_580)], unreadable);
    expect(await findDriver(d, settings(), 'gengpu', query)).toMatchObject({ source: 'cpu-probe', cached: false });
    expect(map.files.size).toBe(0);
  });

  it('a fact past the TTL is learned again', async () => {
    const map = memoryMap();
    plant(map, fact('gpu01', '580.159.04', 'job', 3 * 3600, ME));
    const d = deps([...GENGPU, showNodes(['gpu01']), ok(cpuProbe('gengpu', 'gpu01'), PROC_580)], map);
    expect(await findDriver(d, settings({ ttlHours: 2 }), 'gengpu', query)).toMatchObject({ source: 'cpu-probe' });
  });

  it('gpu-mixed: facts per node group, the lowest over the groups the job could land on', async () => {
    const map = memoryMap();
    plant(map, fact('gpu02', '525.105.17', 'job', 60, ME));
    plant(map, fact('gpu03', '580.159.04', 'warmer', 60, WARMER));
    const d = deps([...MIXED, showNodes(['gpu02', 'gpu03'])], map);
    const found = await findDriver(d, settings(), 'gpu-mixed', query);
    expect(found.driverVersion).toBe('525.105.17');
    expect(found.groups?.map((g) => [g.probedNode, g.driverVersion, g.source])).toEqual([
      ['gpu02', '525.105.17', 'job'],
      ['gpu03', '580.159.04', 'warmer'],
    ]);
  });

  it('the admin map answers where nothing was observed', async () => {
    const d = deps([...GENGPU]);
    const found = await findDriver(d, settings({ nodes: { gpu01: '580.159.04' } }), 'gengpu', query);
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'admin' });
    expect(srunCalls(d)).toEqual([]);
  });

  it('all GPUs and CPUs taken, nothing known: exit 75 naming what was tried and the ways out', async () => {
    const busy: Exchange = { ...ok(cpuProbe('gengpu', 'gpu01', 5)), code: 1, stderr: BUSY };
    const d = deps([...GENGPU, busy]);
    const bypass = DRIVER_FLAG_BYPASS; // as submit and tags ask; detect and the warmer have no --driver to offer
    const error = await findDriver(d, settings({}, { probeWaitSeconds: 5 }), 'gengpu', { ...query, bypass }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ exitCode: ExitCode.temporary });
    const { message, hint } = error as { message: string; hint: string };
    expect(message).toContain('no CPU of gengpu (node gpu01) was free for the driver probe within 5s');
    expect(message).toContain(`the driver map (${MAP}) holds no current fact you trust`);
    expect(hint).toMatch(/wait .* retry, pass --driver VERSION .* ask the site's admins to enable the warmer/);
  });

  it('detect (no --driver to offer) is told the ways out it has', async () => {
    const busy: Exchange = { ...ok(cpuProbe('gengpu', 'gpu01', 5)), code: 1, stderr: BUSY };
    const d = deps([...GENGPU, busy]);
    const error = await findDriver(d, settings({}, { probeWaitSeconds: 5 }), 'gengpu', query).catch((e: unknown) => e);
    expect((error as { hint: string }).hint).toBe(
      "wait until a CPU is free and retry, or ask the site's admins to enable the warmer (warm --daemon keeps the driver map current)",
    );
  });

  it('a site that refuses GPU-less steps keeps the GPU probe', async () => {
    const probe = { partition: 'gengpu', gpuType: undefined, account: undefined, waitSeconds: 60 };
    const d = deps([...GENGPU, ok(probeArgv(probe, 'gpu01'), `580.159.04, ${H100}\n`)]);
    const found = await findDriver(d, settings({ probe: 'gpu' }), 'gengpu', query);
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'gpu-probe' });
  });

  it('the warmer learns its own facts again before they near the TTL, and records them as warmer', async () => {
    const map = memoryMap(WARMER);
    plant(map, fact('gpu01', '580.159.04', 'warmer', 13 * 3600, WARMER));
    const d = deps([...GENGPU, showNodes(['gpu01']), ok(cpuProbe('gengpu', 'gpu01'), PROC_580)], map);
    const found = await findDriver(d, settings(), 'gengpu', { ...query, asWarmer: { refreshAfterSeconds: 12 * 3600 } });
    expect(found.source).toBe('warmer');
    expect(map.files.get(recordPath(MAP, WARMER, 'gpu01'))?.text).toContain(`\t${NOW_S}\twarmer\t`);
    expect(writerDir(MAP, WARMER)).toBe(`${MAP}/u${WARMER}`);
  });

  it("the warmer's due refresh on a partition with no free CPU keeps its still-fresh fact", async () => {
    const map = memoryMap(WARMER);
    plant(map, fact('gpu01', '580.159.04', 'warmer', 3600, WARMER));
    const busy: Exchange = { ...ok(cpuProbe('gengpu', 'gpu01')), code: 1, stderr: BUSY };
    const d = deps([...GENGPU, showNodes(['gpu01']), busy], map);
    const found = await findDriver(d, settings(), 'gengpu', { ...query, asWarmer: { refreshAfterSeconds: 300 } });
    expect(found).toMatchObject({ driverVersion: '580.159.04', source: 'warmer' });
    expect(srunCalls(d)).toHaveLength(1);
  });
});

describe('detect with the driver map', () => {
  it('shows per node group the driver, its source and its age', async () => {
    const map = memoryMap();
    plant(map, fact('gpu02', '525.105.17', 'job', 7200, ME));
    const d = deps([...MIXED, showNodes(['gpu02']), ok(cpuProbe('gpu-mixed', 'gpu03'), PROC_580)], map);
    const [mixed] = await detectPartitions(d, {
      settings: settings(),
      partitions: ['gpu-mixed'],
      gpuType: undefined,
      constraint: undefined,
      refresh: false,
    });
    expect(mixed).toMatchObject({ driverVersion: '525.105.17', source: 'job', cached: false });
    expect(mixed!.groups.map((g) => [g.nodes, g.driverVersion, g.source, g.ageSeconds])).toEqual([
      [['gpu02'], '525.105.17', 'job', 7200],
      [['gpu03'], '580.159.04', 'cpu-probe', 0],
    ]);
    expect([30, 7200, 90_000].map(formatAge)).toEqual(['just now', '2 h ago', '1 d ago']);
  });
});
