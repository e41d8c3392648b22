#!/usr/bin/env node
// Benchmark of the site driver map on the testbed, where it matters: a partition whose GPUs are all allocated.
//   - gengpu, a job's fact recorded earlier: `--dry-run` and a real submit, wall time, saturated next to idle, and
//     proof that no probe job was queued (the real job's id follows the last one before it: no job in between);
//   - gpu-multi, all GPUs held, nothing known: the CPU-only probe's answer time (detect, a fresh map each run).
// Needs root and the testbed (it acts as hpcuser through runuser and occupies partitions as root); runs under the e2e
// lock (test/tools/bench-lock.mjs). BENCH_RUNS (default 5) runs of each, alternated; medians.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdTestbedLock } from '../tools/bench-lock.mjs';
import { recordBench } from '../tools/bench-record.mjs';
import { median } from '../tools/bench-run.mjs';

holdTestbedLock();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
if (process.getuid?.() !== 0) throw new Error('the driver map benchmark runs as root on the testbed (runuser, sbatch)');
const PREFIX = `/opt/qsc-e2e/${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`;
execFileSync('bash', [join(ROOT, 'deploy/install.sh'), PREFIX, '--no-link'], { stdio: 'pipe' });
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PROBE_NAMES = 'qsub-container-probe,qsub-container-cpu-probe';
const TAG = '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3';
const uid = Number(execFileSync('id', ['-u', 'hpcuser'], { encoding: 'utf8' }));
const sh = (command, args) => execFileSync(command, args, { encoding: 'utf8' });
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// Under /var/tmp: every testbed node sees it (gpu-multi's nodes have a /tmp of their own), as a shared file system.
const work = mkdtempSync('/var/tmp/qsc-bench-driver-map-');
chmodSync(work, 0o755);
chownSync(work, uid, uid); // the CLI's working directory: jobs write their output files there
const cacheDir = `/srv/qsc-cache/bench-driver-map-${process.pid}`;
execFileSync('install', ['-d', '-o', 'hpcuser', '-g', 'hpcuser', '-m', '2775', cacheDir]);
let maps = 0;

/** A fresh map (1777, as a site makes it) and a site config naming it; an empty per-user tool cache. */
function site() {
  const dir = join(work, `map${++maps}`);
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  const config = join(work, `site${maps}.json`);
  writeFileSync(config, JSON.stringify({ probeWaitSeconds: 5, driverMap: { dir } }));
  chmodSync(config, 0o644);
  const xdg = join(work, `xdg${maps}`);
  mkdirSync(xdg);
  chownSync(xdg, uid, uid);
  return { dir, env: { QSUB_CONTAINER_SITE_CONFIG: config, XDG_CACHE_HOME: xdg } };
}

/** The installed CLI as hpcuser with a clean environment: wall ms, exit code, output. */
function cli(args, env) {
  return new Promise((resolve) => {
    const vars = ['HOME=/home/hpcuser', 'USER=hpcuser', 'PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'];
    const argv = ['-u', 'hpcuser', '--', 'env', '-i', ...vars, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    const started = process.hrtime.bigint();
    const child = spawn('runuser', [...argv, `${PREFIX}/bin/qsub-container`, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}
const must = (what, result) => {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result;
};

const jobState = (id) => /JobState=(\S+)/.exec(sh('scontrol', ['-o', 'show', 'job', id]))?.[1] ?? 'GONE';
async function until(what, done, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await pause(250);
  }
}
/** Nothing holds the node (scontrol, as test/support/busy.ts judges it). */
const nodeFree = (node) => {
  const show = sh('scontrol', ['-o', 'show', 'node', node]);
  const field = (name) => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(show)?.[1] ?? '';
  return field('CPUAlloc') === '0' && !/ALLOCATED|MIXED|COMPLETING/.test(field('State'));
};

/** Root jobs holding every GPU of each node of the partition (one CPU each), as test/support/busy.ts does. */
async function occupy(partition) {
  const nodes = sh('sinfo', ['-h', '-N', '-p', partition, '-o', '%N %G'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/));
  const ids = nodes.map(
    ([node, gres]) =>
      sh('sbatch', [
        '--parsable',
        '-J',
        'qsc-testbed-busy',
        '-p',
        partition,
        '-w',
        node,
        `--gres=${gres}`,
        '-c',
        '1',
        '-o',
        '/dev/null',
        '--wrap',
        'sleep 3600',
      ])
        .trim()
        .split(';')[0],
  );
  await until('the occupying jobs to run', () => ids.every((id) => jobState(id) === 'RUNNING'));
  return {
    lastId: Number(ids.at(-1)),
    async release() {
      sh('scancel', ids);
      await until('the occupied nodes to be free', () => nodes.every(([node]) => nodeFree(node)));
    },
  };
}
const probeJobs = () => sh('squeue', ['-h', '--name', PROBE_NAMES, '-o', '%i']).trim();

/** A dry run and a real submit on gengpu; the real job is cancelled at once. `after`: the last job id before them. */
async function gengpuPair(env, after) {
  const args = ['--gpu', 'tensorflow', '-p', 'gengpu', '--cache-dir', cacheDir, '--json', '--log-level', 'debug'];
  const dry = must('dry run', await cli([...args, '--dry-run', '--', 'true'], env));
  const real = must('submit', await cli([...args, '--', 'true'], env));
  const body = JSON.parse(real.stdout);
  sh('scancel', [body.jobId]);
  const image = JSON.parse(dry.stdout).image;
  if (image !== TAG || body.image !== TAG) throw new Error(`picked ${image} / ${body.image}, not ${TAG}`);
  const problems = [
    ...[dry, real].flatMap((r, i) =>
      r.stderr.includes('"event":"driver.known"') && !r.stderr.includes('"driver.probed"')
        ? []
        : [`the ${i ? 'submit' : 'dry run'} did not answer from the map`],
    ),
    ...(after === undefined || Number(body.jobId) === after + 1
      ? []
      : [`job ${body.jobId} does not follow ${after}: a job was queued in between`]),
    ...(probeJobs() === '' ? [] : [`probe jobs queued: ${probeJobs()}`]),
  ];
  if (problems.length) console.error(`driver map bench: ${problems.join('; ')}`);
  const noProbe = problems.length === 0;
  return { dry: dry.ms, real: real.ms, jobId: Number(body.jobId), noProbe };
}

try {
  // --- gengpu: a job records gpu01's fact (it also caches the image), then idle and saturated submissions read it.
  const { dir, env } = site();
  const first = must(
    'recording job',
    await cli(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04', '--cache-dir', cacheDir, '--', 'true'],
      env,
    ),
  );
  const firstId = first.stdout.trim();
  await until(
    'the recording job to end',
    () => !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(jobState(firstId)),
  );
  if (!existsSync(join(dir, `u${uid}`, 'gpu01'))) throw new Error(`job ${firstId} recorded no fact for gpu01`);
  if (jobState(firstId) !== 'COMPLETED') throw new Error(`the recording job ${firstId} ended ${jobState(firstId)}`);
  const idle = [];
  const busy = [];
  for (let i = 0; i < RUNS; i++) {
    idle.push(await gengpuPair(env));
    await until('gpu01 free', () => nodeFree('gpu01'));
    const occupation = await occupy('gengpu');
    try {
      busy.push(await gengpuPair(env, occupation.lastId));
    } finally {
      await occupation.release();
    }
  }
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const noProbe = busy.every((b) => b.noProbe) && idle.every((b) => b.noProbe);
  console.log(
    `driver map, gengpu with a job's fact: idle dry run ${m(idle, 'dry').toFixed(0)} ms, submit ${m(idle, 'real').toFixed(0)} ms; ` +
      `all GPUs held dry run ${m(busy, 'dry').toFixed(0)} ms, submit ${m(busy, 'real').toFixed(0)} ms (medians of ${RUNS}); ` +
      `probe jobs queued: ${noProbe ? 'none (job ids consecutive, no driver.probed, squeue empty)' : 'SOME'}`,
  );
  recordBench({
    id: 'map-busy',
    what: 'gengpu all GPUs held, fact known: dry run / submit (idle)',
    measured: `${m(busy, 'dry').toFixed(0)} / ${m(busy, 'real').toFixed(0)} ms (${m(idle, 'dry').toFixed(0)} / ${m(idle, 'real').toFixed(0)} ms), ${noProbe ? 'no' : 'SOME'} probe job`,
    goal: '≤ 1000 ms, no probe job',
    met: m(busy, 'dry') <= 1000 && m(busy, 'real') <= 1000 && noProbe,
  });

  // --- gpu-multi, all GPUs held, nothing known: the CPU-only probe (a fresh map each run).
  const occupation = await occupy('gpu-multi');
  const cpuProbe = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const detect = must('detect', await cli(['detect', '-p', 'gpu-multi', '--json'], site().env));
      const [answer] = JSON.parse(detect.stdout);
      if (answer.source !== 'cpu-probe' || answer.driverVersion !== '580.159.04')
        throw new Error(`detect answered ${answer.driverVersion} from ${answer.source}`);
      cpuProbe.push(detect.ms);
    }
  } finally {
    await occupation.release();
  }
  console.log(
    `driver map, gpu-multi all GPUs held, nothing known: the CPU-only probe answers detect in ${median(cpuProbe).toFixed(0)} ms median (${cpuProbe.map((x) => x.toFixed(0)).join(', ')})`,
  );
  recordBench({
    id: 'map-cpu-probe',
    what: 'all GPUs held, nothing known: CPU-only probe (detect)',
    measured: `${median(cpuProbe).toFixed(0)} ms`,
    goal: '≤ 3000 ms',
    met: median(cpuProbe) <= 3000,
  });
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
