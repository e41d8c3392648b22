#!/usr/bin/env node
// Benchmarks of pulling outside GPU jobs, on the testbed, measured in this run:
//   P3 the job script's cache-hit work before exec, vs bare `apptainer exec` (goal ≤ +50 ms);
//   P4 8 GPU jobs submitted at once on an uncached image: pulls in the registry log (goal exactly 1), jobs that succeed (8/8);
//   P6 GPU-job seconds spent pulling, from the job outputs' timestamps: in-job pull vs a chained pull job (goal 0).
//   P3 is measured before and after the driver map: rendered without and with the site's driverMap.dir.
// Needs root and the testbed (it acts as hpcuser through runuser); fails, never skips, without them. Runs under the
// e2e lock (test/tools/bench-lock.mjs); BENCH_ONLY=P3 runs the P3 part alone.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdTestbedLock } from '../tools/bench-lock.mjs';
import { recordBench } from '../tools/bench-record.mjs';
import { median } from '../tools/bench-run.mjs';

holdTestbedLock();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** BENCH_ONLY=P3: the cache-hit figures alone (seconds, not the minutes P4 and P6 take). */
const ONLY_P3 = process.env.BENCH_ONLY === 'P3';
if (process.getuid?.() !== 0)
  throw new Error('the pull benchmarks run as root on the testbed (they act as hpcuser through runuser)');
const PREFIX = `/opt/qsc-e2e/${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`;
execFileSync('bash', [join(ROOT, 'deploy/install.sh'), PREFIX, '--no-link'], { stdio: 'pipe' });
const REGISTRY = '127.0.0.1:5000';
const LOG = '/var/log/qsc-testbed/registry.log';
const uid = Number(execFileSync('id', ['-u', 'hpcuser'], { encoding: 'utf8' }));
const work = mkdtempSync('/tmp/qsc-bench-pull-');
chownSync(work, uid, uid);
const cacheDirs = [];

/**
 * An image of our own (distinct digest), so nothing is cached anywhere yet: the testbed's busybox base, plus a layer of
 * `megabytes` MiB of random bytes when a pull should take time (as test/support/big-image.ts does for the e2e tests).
 */
function pushOwnImage(what, megabytes = 0) {
  const repository = `bench/${what}-${randomBytes(3).toString('hex')}/tensorflow`;
  const env = ['CUDA_VERSION=12.8.0.038', 'CUDA_DRIVER_VERSION=570.86.10', `QSC_TEST=${repository}`];
  if (megabytes === 0) {
    const file = join(work, `${what}.txt`);
    writeFileSync(file, `${repository} 25.02-tf2-py3 ${env.join(' ')}\n`);
    execFileSync('bash', [join(ROOT, 'deploy/testbed/seed-images.sh'), file], { stdio: 'pipe' });
  } else {
    const layout = join(work, `${what}-oci`);
    const password = readFileSync('/var/lib/qsc-testbed/registry-password', 'utf8').trim();
    execFileSync('cp', ['-r', '/var/lib/qsc-testbed/seed/oci', layout]);
    execFileSync('sh', ['-c', 'head -c "$1"M /dev/urandom > "$2"', 'sh', String(megabytes), `${layout}.bin`]);
    execFileSync('umoci', ['insert', '--image', `${layout}:base`, '--tag', 'big', `${layout}.bin`, '/random.bin'], {
      stdio: 'pipe',
    });
    const envArgs = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env].flatMap((kv) => [
      '--config.env',
      kv,
    ]);
    execFileSync(
      'umoci',
      [
        'config',
        '--image',
        `${layout}:big`,
        '--tag',
        'pushed',
        '--clear',
        'config.env',
        '--config.cmd',
        '/bin/sh',
        ...envArgs,
      ],
      { stdio: 'pipe' },
    );
    // An auth file (0600), not --dest-creds: a password in skopeo's argv is readable by every user.
    const authFile = `${layout}.auth.json`;
    writeFileSync(
      authFile,
      JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`qsc:${password}`).toString('base64') } } }),
      { mode: 0o600 },
    );
    try {
      execFileSync(
        'skopeo',
        [
          'copy',
          '-q',
          '--dest-tls-verify=false',
          '--dest-authfile',
          authFile,
          `oci:${layout}:pushed`,
          `docker://${REGISTRY}/${repository}:25.02-tf2-py3`,
        ],
        { stdio: 'pipe' },
      );
    } finally {
      rmSync(authFile);
    }
    rmSync(layout, { recursive: true });
    rmSync(`${layout}.bin`);
  }
  return `${REGISTRY}/${repository}:25.02-tf2-py3`;
}

function setup(what, extra = {}) {
  const cacheDir = `/srv/qsc-cache/bench-${what}-${process.pid}`;
  execFileSync('install', ['-d', '-o', 'hpcuser', '-g', 'hpcuser', '-m', '2775', cacheDir]);
  cacheDirs.push(cacheDir);
  const config = join(work, `${what}.json`);
  writeFileSync(config, JSON.stringify({ registry: REGISTRY, cacheDir, cache: { minFree: '1G' }, ...extra }));
  chownSync(config, uid, uid);
  return { cacheDir, config };
}

const asUser = (argv, env = {}) => [
  '-u',
  'hpcuser',
  '--',
  'env',
  '-i',
  'HOME=/home/hpcuser',
  'USER=hpcuser',
  'PATH=/usr/local/bin:/usr/bin:/bin',
  `XDG_CACHE_HOME=${work}`,
  ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
  ...argv,
];

function timed(argv, env) {
  const t = process.hrtime.bigint();
  execFileSync('runuser', asUser(argv, env), { stdio: 'pipe', cwd: work });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function cli(args, config, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'runuser',
      asUser([`${PREFIX}/bin/qsub-container`, ...args], { QSUB_CONTAINER_CONFIG: config, ...env }),
      { cwd: work },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`qsub-container ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

const scontrol = (id) => execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
async function waitForJobs(ids) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const states = ids.map((id) => /JobState=(\S+)/.exec(scontrol(id))[1]);
    if (states.every((s) => !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(s))) return states;
    if (Date.now() > deadline)
      throw new Error(`jobs still not done: ${ids.map((id, i) => `${id} ${states[i]}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
const outputOf = (id) => readFileSync(/StdOut=(\S+)/.exec(scontrol(id))[1], 'utf8');
/** Seconds a job spent on a missing image, pulling it or waiting for another job's pull: the template's "(from T0 to T1)"; 0 on a hit. */
const pullSeconds = (output) => {
  const m = /(?:pulled in [\d.]+s|while this one waited) \(from ([\d.]+) to ([\d.]+)\)/.exec(output);
  return m ? Number(m[2]) - Number(m[1]) : 0;
};
const GPU = ['--gpu', '-p', 'gengpu', '--driver', '580.159.04', '--json'];

try {
  // --- P3: cache hit. The rendered job script (command `true`) vs bare `apptainer exec --nv SIF true`, alternated.
  {
    const ref = pushOwnImage('p3');
    const { cacheDir, config } = setup('p3');
    await cli([ref, '-p', 'short', '--pull', 'local', '--json', '-o', join(work, 'p3-%j.out'), '--', 'true'], config); // caches the image
    // As on a GPU node: the guard reads the kernel module's version file (the testbed has no /proc/driver/nvidia, so a
    // site config names a file holding gengpu's driver in the module's layout); a second script has none: nvidia-smi.
    const versionFile = join(work, 'p3-nvidia-version');
    writeFileSync(
      versionFile,
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (testbed: gengpu's driver)\n",
    );
    const site = join(work, 'p3-site.json');
    writeFileSync(site, JSON.stringify({ driverVersionFile: versionFile }));
    // After the driver map: the same site with driverMap.dir, so the guard also runs record_node_fact (its record
    // current after the first run: builtins only). The map is made as a site makes it (1777).
    const mapDir = join(work, 'p3-driver-map');
    mkdirSync(mapDir, { mode: 0o1777 });
    chmodSync(mapDir, 0o1777);
    const siteMap = join(work, 'p3-site-map.json');
    writeFileSync(siteMap, JSON.stringify({ driverVersionFile: versionFile, driverMap: { dir: mapDir } }));
    const dryRun = (env) =>
      cli([ref, '--gpu', '-p', 'gengpu', '--driver', '580.159.04', '--json', '--dry-run', '--', 'true'], config, env);
    const [dry, dryMap, drySmi] = await Promise.all([
      dryRun({ QSUB_CONTAINER_SITE_CONFIG: site }),
      dryRun({ QSUB_CONTAINER_SITE_CONFIG: siteMap }),
      dryRun({}),
    ]);
    if (!dryMap.script.includes('record_node_fact ') || dry.script.includes('record_node_fact '))
      throw new Error('P3: only the script rendered with driverMap.dir should record the node fact');
    const script = join(work, 'p3-job.sh');
    const scriptMap = join(work, 'p3-job-map.sh');
    const preExec = join(work, 'p3-pre-exec.sh');
    const preExecMap = join(work, 'p3-pre-exec-map.sh');
    const preExecSmi = join(work, 'p3-pre-exec-nvidia-smi.sh');
    writeFileSync(script, dry.script);
    writeFileSync(scriptMap, dryMap.script);
    // The same script stopping where it would exec: its own work on the cache-hit path, nothing else.
    const stopBeforeExec = (text) => text.replace(/^exec "\$runtime" (exec|run) .*$/m, 'exit 0');
    writeFileSync(preExec, stopBeforeExec(dry.script));
    writeFileSync(preExecMap, stopBeforeExec(dryMap.script));
    writeFileSync(preExecSmi, stopBeforeExec(drySmi.script));
    const sif = join(cacheDir, `sha256-${dry.digest.slice(7)}.sif`);
    // What the nvidia-smi stand-in answers by, and the node name the recorder files the fact under, as in a job.
    const jobEnv = { SLURM_JOB_PARTITION: 'gengpu', SLURMD_NODENAME: 'gpu01' };
    const bare = [],
      full = [],
      fullMap = [],
      pre = [],
      preMap = [],
      preSmi = [],
      shell = [];
    for (let i = 0; i < 3; i++) timed(['bash', script], jobEnv); // warm the page cache
    timed(['bash', scriptMap], jobEnv); // the first run records gpu01's fact; the runs measured find it current
    const recorded = readFileSync(join(mapDir, `u${uid}`, 'gpu01'), 'utf8');
    if (!recorded.startsWith('qsc-node-fact/1\tgpu01\t580.159.04\t'))
      throw new Error(`P3: the job recorded ${recorded}`);
    for (let i = 0; i < 15; i++) {
      bare.push(timed(['apptainer', 'exec', '--nv', sif, 'true'], jobEnv));
      full.push(timed(['bash', script], jobEnv));
      fullMap.push(timed(['bash', scriptMap], jobEnv));
      pre.push(timed(['bash', preExec], jobEnv));
      preMap.push(timed(['bash', preExecMap], jobEnv));
      preSmi.push(timed(['bash', preExecSmi], jobEnv));
      shell.push(timed(['bash', '-c', 'exit 0'], jobEnv));
    }
    const overhead = median(full) - median(bare);
    const overheadMap = median(fullMap) - median(bare);
    const preWork = median(pre) - median(shell);
    const preWorkMap = median(preMap) - median(shell);
    console.log(
      `P3 cache hit: bare apptainer exec median ${median(bare).toFixed(1)} ms; job script median ${median(full).toFixed(1)} ms → overhead ${overhead.toFixed(1)} ms (${(median(full) / median(bare)).toFixed(3)}×)`,
    );
    console.log(
      `P3 with the driver map (driverMap.dir: the guard records the node's fact, current): job script median ${median(fullMap).toFixed(1)} ms → overhead ${overheadMap.toFixed(1)} ms; before → after ${overhead.toFixed(1)} → ${overheadMap.toFixed(1)} ms`,
    );
    console.log(
      `P3 the script's own work before exec (driver guard, runtime lookup, cache check, touch): ${preWork.toFixed(1)} ms over a bare bash start (${median(pre).toFixed(1)} vs ${median(shell).toFixed(1)} ms); with the driver map ${preWorkMap.toFixed(1)} ms (${(preWorkMap - preWork).toFixed(1)} ms for record_node_fact); 15 alternated runs each`,
    );
    console.log(
      `P3 the same with no version file, the driver from nvidia-smi: ${(median(preSmi) - median(shell)).toFixed(1)} ms (the testbed's stand-in is a bash script; real nvidia-smi's NVML start-up costs ~10-20 ms warm, seconds per GPU without persistence mode)`,
    );
    recordBench({
      id: 'P3',
      what: 'cache-hit overhead before exec vs bare apptainer exec',
      measured: `${overhead.toFixed(1)} ms (pre-exec work ${preWork.toFixed(1)} ms)`,
      goal: '≤ +50 ms',
      met: overhead <= 50,
    });
    recordBench({
      id: 'P3-map',
      what: 'the same with driverMap.dir (record_node_fact in the guard)',
      measured: `${overheadMap.toFixed(1)} ms (pre-exec work ${preWork.toFixed(1)} → ${preWorkMap.toFixed(1)} ms)`,
      goal: '≤ +50 ms',
      met: overheadMap <= 50,
    });
  }

  // --- P4: 8 GPU jobs at once on an uncached image, pull partition configured (auto → a chained pull job).
  if (!ONLY_P3) {
    const ref = pushOwnImage('p4');
    const { config } = setup('p4', { warm: { pullPartition: 'short', pullTime: '00:10:00' } });
    const start = readFileSync(LOG, 'utf8').split('\n').length - 1;
    const t = Date.now();
    const submitted = await Promise.all(
      Array.from({ length: 8 }, () =>
        cli([ref, ...GPU, '-o', join(work, 'p4-%j.out'), '--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'], config),
      ),
    );
    const pullJobs = new Set(submitted.map((s) => s.pullJobId));
    const states = await waitForJobs(submitted.map((s) => s.jobId));
    const seconds = (Date.now() - t) / 1000;
    const repo = ref.slice(REGISTRY.length, ref.lastIndexOf(':'));
    const lines = readFileSync(LOG, 'utf8')
      .split('\n')
      .slice(start)
      .filter((l) => l.includes(`/v2${repo}/`));
    const pulls = lines.filter((l) => l.includes('"GET ') && l.includes('/manifests/') && !l.endsWith('"node"')).length;
    const ok = states.filter((s) => s === 'COMPLETED').length;
    const inJobPulls = submitted.filter((s) => /qsub-container: pulling/.test(outputOf(s.jobId))).length;
    console.log(
      `P4 8 GPU jobs at once, uncached: ${pullJobs.size} pull job(s) (${[...pullJobs].join(',')}), ${pulls} pull(s) in the registry log, ${inJobPulls} in a GPU job; ${ok}/8 COMPLETED in ${seconds.toFixed(1)} s`,
    );
    recordBench({
      id: 'P4',
      what: '8 GPU jobs at once, uncached image',
      measured: `${pulls} pull(s), ${ok}/8 ok`,
      goal: '1 pull, 8/8',
      met: pulls === 1 && ok === 8,
    });
  }

  // --- P6: GPU-job seconds spent on the image (pulling, or waiting on the pull lock): 4 jobs pulling in the job (the
  // last resort) vs 4 with a chained pull job, on an image with a 64 MiB random layer.
  if (!ONLY_P3) {
    const runs = {};
    for (const mode of ['job', 'slurm']) {
      const ref = pushOwnImage(`p6${mode}`, 64);
      const { config } = setup(`p6${mode}`, { warm: { pullPartition: 'short', pullTime: '00:10:00' } });
      const submitted = await Promise.all(
        Array.from({ length: 4 }, () =>
          cli([ref, ...GPU, '--pull', mode, '-o', join(work, `p6-${mode}-%j.out`), '--', 'true'], config),
        ),
      );
      await waitForJobs([
        ...submitted.map((s) => s.jobId),
        ...new Set(submitted.flatMap((s) => (s.pullJobId ? [s.pullJobId] : []))),
      ]);
      const gpuSeconds = submitted.map((s) => pullSeconds(outputOf(s.jobId)));
      const pullJobSeconds = [...new Set(submitted.map((s) => s.pullJobId).filter(Boolean))].map((id) =>
        pullSeconds(outputOf(id)),
      );
      runs[mode] = { gpu: gpuSeconds.reduce((a, b) => a + b, 0), cpu: pullJobSeconds.reduce((a, b) => a + b, 0) };
    }
    console.log(
      `P6 GPU-job seconds spent on a 64 MiB-layer image (pulling or waiting for the pull), 4 jobs each: in-job pull ${runs.job.gpu.toFixed(2)} s; chained pull job ${runs.slurm.gpu.toFixed(2)} s on GPU (the pull job took ${runs.slurm.cpu.toFixed(2)} s on a CPU node)`,
    );
    recordBench({
      id: 'P6',
      what: 'GPU-job seconds pulling (4 jobs): in-job → chained',
      measured: `${runs.job.gpu.toFixed(2)} s → ${runs.slurm.gpu.toFixed(2)} s`,
      goal: '0 with a pull job',
      met: runs.slurm.gpu === 0,
    });
  }
} finally {
  for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
