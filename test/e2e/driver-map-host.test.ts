// The site's driver map over --host: the login node's map is read through the SSH runner (one command) and the probes'
// answers are recorded there, so a remote submission to a saturated partition needs no probe either. The cluster
// side's site config is the default one (/etc/qsub-container/config.json), written for this file and removed after.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { occupyPartition, type Occupation } from '../support/busy.js';
import { CLUSTER_USER, freshCacheDir, qsc, queuedJobIds, sh, waitForJob } from '../support/cluster.js';
import { clientHome, remoteQsc, removeTempDirs } from '../support/ssh.js';

const SITE_DIR = '/etc/qsub-container';
const SITE_CONFIG = `${SITE_DIR}/config.json`;
const HPCUSER = Number(sh('id', ['-u', CLUSTER_USER]).trim());
const PROBE_NAMES = 'qsub-container-probe,qsub-container-cpu-probe';
const TF = '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3';
let root: string;
let mapDir: string;
let madeSiteDir = false;
let occupation: Occupation | undefined;

beforeAll(() => {
  // Never over a site config someone else put there: this file owns it while it runs, or fails.
  if (existsSync(SITE_CONFIG)) throw new Error(`${SITE_CONFIG} exists: this test writes the default site config`);
  // /var/tmp: every testbed node sees it (gpu-multi's nodes have a /tmp of their own), as a shared file system.
  root = mkdtempSync('/var/tmp/qsc-e2e-driver-map-host-');
  chmodSync(root, 0o755);
  mapDir = join(root, 'map');
  mkdirSync(mapDir);
  chmodSync(mapDir, 0o1777);
  madeSiteDir = !existsSync(SITE_DIR);
  mkdirSync(SITE_DIR, { recursive: true, mode: 0o755 });
  writeFileSync(SITE_CONFIG, JSON.stringify({ probeWaitSeconds: 5, driverMap: { dir: mapDir } }), { mode: 0o644 });
});
afterEach(async () => {
  const held = occupation;
  occupation = undefined;
  await held?.release();
});
afterAll(() => {
  rmSync(SITE_CONFIG, { force: true });
  if (madeSiteDir) rmSync(SITE_DIR, { recursive: true, force: true });
  if (root) rmSync(root, { recursive: true, force: true });
  removeTempDirs();
});

describe('the driver map over --host', () => {
  it("all GPUs of gengpu held, a job's fact in the login node's map: --host dry run and submit answer from it, no probe job", async () => {
    const cacheDir = freshCacheDir('driver-map-host');
    // A job on gengpu records gpu01's driver in the map the site config names (and caches the image).
    const first = await qsc([
      '--gpu',
      'tensorflow',
      '-p',
      'gengpu',
      '--driver',
      '580.159.04',
      '--cache-dir',
      cacheDir,
      '--',
      'true',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect((await waitForJob(first.stdout.trim())).state).toBe('COMPLETED');
    expect(statSync(join(mapDir, `u${HPCUSER}`, 'gpu01')).uid).toBe(HPCUSER);

    occupation = await occupyPartition('gengpu');
    const { home } = clientHome();
    const args = ['--host', 'cluster', '--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, '--json'];
    const dry = await remoteQsc([...args, '--log-level', 'debug', '--dry-run', '--', 'true'], home);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ image: TF, driver: { version: '580.159.04', source: 'job' } });
    expect(dry.stderr).toContain('"event":"driver.known"');
    expect(dry.stderr).not.toContain('"event":"driver.probed"');

    const real = await remoteQsc([...args, '--', 'true'], home);
    expect(real.code, real.stderr).toBe(0);
    const body = JSON.parse(real.stdout) as { jobId: string; image: string; driver: { source: string } };
    sh('scancel', [body.jobId]);
    expect(body).toMatchObject({ image: TF, driver: { source: 'job' } });
    // No job between the occupying ones and this one: neither run queued a probe.
    expect(Number(body.jobId)).toBe(Number(occupation.jobIds.at(-1)) + 1);
    expect(queuedJobIds(PROBE_NAMES)).toEqual([]);
    console.log(`driver map over --host, gengpu saturated: dry run ${dry.ms} ms, submit ${real.ms} ms`);
  });

  it("--host detect, all GPUs held, nothing known: the CPU probe's answer is recorded in the login node's map, then read", async () => {
    occupation = await occupyPartition('gpu-multi');
    const { home } = clientHome();
    const probed = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gpu-multi', '--json'], home);
    expect(probed.code, probed.stderr).toBe(0);
    expect(JSON.parse(probed.stdout)).toEqual([
      expect.objectContaining({ driverVersion: '580.159.04', source: 'cpu-probe', cached: false }),
    ]);
    const record = join(mapDir, `u${HPCUSER}`, 'gpu04');
    expect(statSync(record).uid).toBe(HPCUSER); // written on the cluster side, as the user logged in there
    expect(sh('cat', [record])).toMatch(/^qsc-node-fact\/1\tgpu04\t580\.159\.04\t\d+\tcpu-probe\t/);

    const known = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gpu-multi', '--json'], home);
    expect(known.code, known.stderr).toBe(0);
    expect(JSON.parse(known.stdout)).toEqual([
      expect.objectContaining({ driverVersion: '580.159.04', source: 'cpu-probe', cached: true }),
    ]);
    expect(queuedJobIds(PROBE_NAMES)).toEqual([]);
  });
});
