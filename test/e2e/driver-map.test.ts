// The site's driver map on the testbed, in the conditions it is for: every GPU of a partition held (test/support/busy.ts),
// every CPU too, a node "upgraded" after its fact (nodes.ts), a false fact planted by a neighbour (neighbour.ts).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { occupyPartition, type Occupation } from '../support/busy.js';
import { CLUSTER_USER, freshCacheDir, qsc, queuedJobIds, sh, waitForJob } from '../support/cluster.js';
import { runAsNeighbour, NEIGHBOUR } from '../support/neighbour.js';
import { switchNodeDriver, type DriverChange } from '../support/nodes.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

const PROBE_WAIT = 5;
const HPCUSER = Number(sh('id', ['-u', CLUSTER_USER]).trim());
const MALLORY = Number(sh('id', ['-u', NEIGHBOUR]).trim());
const PROBE_NAMES = 'qsub-container-probe,qsub-container-cpu-probe';
const roots: string[] = [];
let occupation: Occupation | undefined;
let change: DriverChange | undefined;

afterEach(async () => {
  const held = occupation;
  occupation = undefined;
  // busy.ts's release waits for the nodes to hold nothing; when it gives up, say what slurmctld showed instead.
  await held?.release().catch((error: unknown) => {
    console.error(sh('scontrol', ['show', 'node', '-o']), sh('squeue', ['-h', '-a', '-o', '%i %u %j %T %N %R']));
    throw error;
  });
});
afterAll(() => {
  change?.revert();
  roots.forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeUserTempDirs();
});

/** A fresh map (1777, as a site makes it), a site config naming it, and an empty tool cache for the cluster user. */
function site(driverMap: Record<string, unknown> = {}) {
  const root = mkdtempSync('/tmp/qsc-e2e-driver-map-');
  roots.push(root);
  chmodSync(root, 0o755);
  const dir = join(root, 'map');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  const config = join(root, 'site.json');
  writeFileSync(config, JSON.stringify({ probeWaitSeconds: PROBE_WAIT, driverMap: { dir, ...driverMap } }));
  chmodSync(config, 0o644);
  const env = { QSUB_CONTAINER_SITE_CONFIG: config, XDG_CACHE_HOME: userTempDir('qsc-driver-map-cache') };
  return { dir, env };
}

async function timed(args: readonly string[], env: Record<string, string>) {
  const started = performance.now();
  const result = await qsc(args, env);
  return { ...result, ms: performance.now() - started };
}

const dryRun = (partition: string, env: Record<string, string>, more: readonly string[] = []) =>
  timed(
    ['--gpu', 'tensorflow', '-p', partition, ...more, '--dry-run', '--json', '--log-level', 'debug', '--', 'true'],
    env,
  );

const summary = (stdout: string) =>
  JSON.parse(stdout) as { image: string; driver: { version: string; source: string } };

describe('the driver map on a saturated partition', () => {
  it("all GPUs of gengpu held, a job's fact recorded earlier: dry run and submit pick the tag in ≤ 1 s, no probe", async () => {
    const { dir, env } = site();
    const cacheDir = freshCacheDir('driver-map');
    // A job on gengpu records its node's driver (gpu01: nvidia-smi's stand-in, as it has no /proc/driver/nvidia).
    const first = await qsc(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04', '--cache-dir', cacheDir, '--', 'true'],
      env,
    );
    expect(first.code, first.stderr).toBe(0);
    expect((await waitForJob(first.stdout.trim())).state).toBe('COMPLETED');
    expect(sh('cat', [join(dir, `u${HPCUSER}`, 'gpu01')])).toMatch(
      /^qsc-node-fact\/1\tgpu01\t580\.159\.04\t\d+\tjob\t/,
    );

    occupation = await occupyPartition('gengpu');
    const dry = await dryRun('gengpu', env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(summary(dry.stdout)).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
      driver: { version: '580.159.04', source: 'job' },
    });
    expect(dry.ms).toBeLessThanOrEqual(1000);
    expect(dry.stderr).toContain('"event":"driver.known"');
    expect(dry.stderr).not.toContain('"event":"driver.probed"');

    const real = await timed(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, '--json', '--', 'true'],
      env,
    );
    expect(real.code, real.stderr).toBe(0);
    const body = JSON.parse(real.stdout) as { jobId: string; image: string; driver: { source: string } };
    sh('scancel', [body.jobId]);
    expect(body).toMatchObject({ image: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3', driver: { source: 'job' } });
    expect(real.ms).toBeLessThanOrEqual(1000);
    expect(queuedJobIds(PROBE_NAMES)).toEqual([]);
    console.log(`driver map, gengpu saturated: dry run ${Math.round(dry.ms)} ms, submit ${Math.round(real.ms)} ms`);
  });

  it('all GPUs held, nothing known, a free CPU: the CPU-only probe answers in ≤ 3 s and is recorded', async () => {
    const { dir, env } = site();
    occupation = await occupyPartition('gpu-multi');
    const detect = await timed(['detect', '-p', 'gpu-multi', '--json'], env);
    expect(detect.code, detect.stderr).toBe(0);
    const [multi] = JSON.parse(detect.stdout) as Array<{
      driverVersion: string;
      groups: Array<Record<string, unknown>>;
    }>;
    expect(multi).toMatchObject({ driverVersion: '580.159.04', source: 'cpu-probe' });
    expect(multi!.groups[0]).toMatchObject({
      source: 'cpu-probe',
      ageSeconds: 0,
      gpus: [{ name: 'NVIDIA H100 80GB HBM3' }],
    });
    expect(detect.ms).toBeLessThanOrEqual(3000);
    expect(sh('cat', [join(dir, `u${HPCUSER}`, 'gpu04')])).toContain('\tcpu-probe\t');
    // Then the text form says where the group's driver came from and how old it is.
    const text = await qsc(['detect', '-p', 'gpu-multi'], env);
    expect(text.stdout).toMatch(
      /^ {2}gpu04,gpu05: driver 580\.159\.04 \(NVIDIA H100 80GB HBM3; gpu:h100:2\), from cpu-probe (just now|\d+ min ago)$/m,
    );
    console.log(`driver map, gpu-multi GPUs held, CPU probe: ${Math.round(detect.ms)} ms`);
  });

  it('all GPUs and CPUs held, nothing known: exit 75 within probeWaitSeconds, saying what was tried and the ways out', async () => {
    const { dir, env } = site();
    occupation = await occupyPartition('gpu-multi', { cpus: true });
    const run = await dryRun('gpu-multi', env);
    expect(run.code, run.stderr).toBe(75);
    expect(run.ms).toBeLessThanOrEqual((PROBE_WAIT + 3) * 1000);
    expect(run.stderr).toContain(
      `no CPU of gpu-multi (node gpu04) was free for the driver probe within ${PROBE_WAIT}s`,
    );
    expect(run.stderr).toContain(`the driver map (${dir}) holds no current fact you trust`);
    expect(run.stderr).toMatch(/pass --driver VERSION .* ask the site's admins to enable the warmer/);
  });
});

describe('the driver map does not trust what it should not', () => {
  it('a node upgraded after its fact was recorded: the old fact is not used', async () => {
    const { env } = site();
    const before = await qsc(['detect', '-p', 'gpu-multi', '--json'], env);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)[0]).toMatchObject({ driverVersion: '580.159.04' });
    change = switchNodeDriver('gpu04', 'h100-550.90.07'); // restarts gpu04's slurmd, as an upgrade does
    const after = await qsc(['detect', '-p', 'gpu-multi', '--json'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)[0]).toMatchObject({
      driverVersion: '550.90.07',
      groups: [{ probedNode: 'gpu04', source: 'cpu-probe', ageSeconds: 0 }],
    });
    change.revert();
    change = undefined;
  });

  it("a false fact planted by another user is ignored, and the job runs the image the node's driver runs", async () => {
    const { dir, env } = site();
    const cacheDir = freshCacheDir('driver-map-neighbour');
    // Mallory squats the cluster user's directory and keeps one of her own, each claiming a driver gpu01 lacks.
    const plant = [HPCUSER, MALLORY]
      .map(
        (uid) =>
          `mkdir -m 0755 ${dir}/u${uid} && printf 'qsc-node-fact/1\\tgpu01\\t999.99.99\\t%s\\tjob\\tmallory\\t\\n' "$(date +%s)" > ${dir}/u${uid}/gpu01`,
      )
      .join(' && ');
    const planted = await runAsNeighbour(['sh', '-c', plant]);
    expect(planted.code, planted.stderr).toBe(0);
    const run = await qsc(['--gpu', 'pytorch', '-p', 'gengpu', '--cache-dir', cacheDir, '--json', '--', 'true'], env);
    expect(run.code, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout) as { jobId: string; image: string; driver: { version: string } };
    expect(body.driver.version).toBe('580.159.04');
    expect(body.image).not.toContain('26.07'); // what 999.99.99 would have chosen (needs driver ≥ 610)
    expect((await waitForJob(body.jobId)).state).toBe('COMPLETED');
  });
});

describe('gpu-mixed with the driver map', () => {
  it('facts per node group; the lowest over the groups a job could land on, with all GPUs held', async () => {
    const { env } = site();
    const learn = await qsc(['detect', '-p', 'gpu-mixed', '--json'], env); // idle: each group probed and recorded
    expect(learn.code, learn.stderr).toBe(0);
    occupation = await occupyPartition('gpu-mixed');
    const all = await dryRun('gpu-mixed', env);
    expect(all.code, all.stderr).toBe(0);
    expect(summary(all.stdout)).toMatchObject({
      image: '127.0.0.1:5000/nvidia/tensorflow:23.01-tf2-py3',
      driver: { version: '525.105.17', source: 'gpu-probe' },
    });
    const h100 = await dryRun('gpu-mixed', env, ['-C', 'h100']);
    expect(h100.code, h100.stderr).toBe(0);
    expect(summary(h100.stdout)).toMatchObject({ driver: { version: '580.159.04' } });
    expect([all.ms, h100.ms].every((ms) => ms <= 1000)).toBe(true);
    expect(queuedJobIds(PROBE_NAMES)).toEqual([]);
  });
});
