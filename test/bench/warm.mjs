// Benchmarks of the warmer: the pure plan for 50 partitions × 6 frameworks (fake inventory), and an idle tick over 10
// cached images on the testbed (wall time and registry requests). Run by `npm run bench` after the build; needs root
// and the testbed for the second part, and fails (never skips) without them.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planWarm } from '../../dist/cache/plan-warm.js';
import { holdTestbedLock } from '../tools/bench-lock.mjs';
import { recordBench } from '../tools/bench-record.mjs';
import { median } from '../tools/bench-run.mjs';

holdTestbedLock(); // the shared testbed: under the e2e lock
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const timeMs = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

// --- 1. plan: 50 partitions × 6 frameworks; drivers repeat across partitions, so many targets share a digest.
const digest = (n) => `sha256:${n.toString(16).padStart(64, '0')}`;
const frameworks = ['tensorflow', 'pytorch', 'jax', 'tritonserver', 'nemo', 'rapids'];
const desired = [];
for (let p = 0; p < 50; p++) {
  for (const [f, name] of frameworks.entries()) {
    const n = f * 100 + (p % 7); // 7 driver generations
    desired.push({
      displayRef: `nvcr.io/nvidia/${name}:${24 + (p % 7)}.01-py3`,
      digest: digest(n),
      pullRef: `docker://nvcr.io/nvidia/${name}@${digest(n)}`,
      noHttps: false,
      authFile: undefined,
      cudaVersion: '12.8.0.038',
      cudaDriverVersion: '570.86.10',
      wantedBy: [`${name}@part${p}`],
    });
  }
}
const NOW = Date.now();
const images = [];
for (let n = 0; n < 600; n += 2)
  images.push({ digest: digest(n), size: 8 * 2 ** 30, lastUsed: NOW - n * 3_600_000, sidecar: undefined, tags: [] });
const inventory = {
  images,
  links: images.map((i, k) => ({ ref: `nvcr.io/nvidia/old:${k}`, digest: i.digest })),
  partials: [],
};
const policy = {
  prune: { maxSizeBytes: 500 * 2 ** 30, olderThanMs: 30 * 86_400_000 },
  inUse: new Set([digest(4)]),
  pins: [],
  stalePartialMs: 6 * 3_600_000,
};
for (let i = 0; i < 50; i++) planWarm(desired, inventory, NOW, policy); // warm up the JIT
const planTimes = Array.from({ length: 300 }, () => timeMs(() => planWarm(desired, inventory, NOW, policy)));
const plan = planWarm(desired, inventory, NOW, policy);
const planMs = median(planTimes);
console.log(
  `plan: ${desired.length} targets (50 partitions × 6 frameworks) over ${images.length} cached images → ${plan.pulls.length} pulls, ${plan.cached.length} cached, ${plan.links.length} links, ${plan.prune.remove.length} evictions`,
);
console.log(
  `plan: median ${planMs.toFixed(3)} ms, p95 ${[...planTimes].sort((a, b) => a - b)[Math.floor(planTimes.length * 0.95)].toFixed(3)} ms (300 runs)`,
);

// --- 2. idle tick over 10 cached images on the testbed.
if (process.getuid?.() !== 0)
  throw new Error('the testbed benchmark runs as root (it acts as hpcuser through runuser); run npm run bench as root');
const PREFIX = `/opt/qsc-e2e/${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`;
execFileSync('bash', [join(ROOT, 'deploy/install.sh'), PREFIX, '--no-link'], { stdio: 'pipe' });
const REGISTRY = '127.0.0.1:5000';
const repository = `bench/warm-${randomBytes(3).toString('hex')}/tensorflow`;
const tags = Array.from({ length: 10 }, (_, i) => `25.${String(i + 1).padStart(2, '0')}-tf2-py3`);
const seedDir = mkdtempSync('/tmp/qsc-bench-');
writeFileSync(
  join(seedDir, 'images.txt'),
  tags
    .map(
      (t) =>
        `${repository} ${t} CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=${t.slice(0, 5)}`,
    )
    .join('\n') + '\n',
);
execFileSync('bash', [join(ROOT, 'deploy/testbed/seed-images.sh'), join(seedDir, 'images.txt')], { stdio: 'pipe' });
const uid = Number(execFileSync('id', ['-u', 'hpcuser'], { encoding: 'utf8' }));
const userDir = mkdtempSync('/tmp/qsc-bench-user-');
chownSync(userDir, uid, uid);
const cacheDir = `/srv/qsc-cache/bench-warm-${process.pid}`;
execFileSync('install', ['-d', '-o', 'hpcuser', '-g', 'hpcuser', '-m', '2775', cacheDir]);
const config = join(userDir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    registry: REGISTRY,
    cacheDir,
    cache: { minFree: '1G' },
    warm: { targets: tags.map((t) => ({ image: `${REGISTRY}/${repository}:${t}` })) },
  }),
);
chownSync(config, uid, uid);
const run = (args) => {
  const t = process.hrtime.bigint();
  execFileSync(
    'runuser',
    [
      '-u',
      'hpcuser',
      '--',
      'env',
      '-i',
      'HOME=/home/hpcuser',
      'USER=hpcuser',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      `QSUB_CONTAINER_CONFIG=${config}`,
      `XDG_CACHE_HOME=${userDir}`,
      `${PREFIX}/bin/qsub-container`,
      ...args,
    ],
    { stdio: 'pipe', cwd: '/tmp' },
  );
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const LOG = '/var/log/qsc-testbed/registry.log';
const logLines = () =>
  readFileSync(LOG, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`/v2/${repository}/`));
const firstMs = run(['warm', '--once']);
const afterFirst = logLines().length;
const idle = [];
const requests = [];
for (let i = 0; i < 5; i++) {
  const before = logLines().length;
  idle.push(run(['warm', '--once']));
  requests.push(logLines().slice(before));
}
const startup = Array.from({ length: 5 }, () => run(['--help']));
const idleMs = median(idle);
const perTick = requests.map((r) => r.length);
const heads = requests.map((r) => r.filter((l) => l.includes('"HEAD ') && l.includes('" 200 ')).length);
const challenges = requests.map((r) => r.filter((l) => l.includes('" 401 ')).length);
console.log(`tick, cold (10 pulls): ${firstMs.toFixed(0)} ms, ${afterFirst} registry requests (CLI and Apptainer)`);
console.log(
  `tick, idle over 10 cached images: median ${idleMs.toFixed(0)} ms of ${idle.map((t) => t.toFixed(0)).join(', ')}; CLI start (--help) median ${median(startup).toFixed(0)} ms → idle tick = ${(idleMs / median(startup)).toFixed(2)}× a bare start`,
);
console.log(
  `tick, idle: registry requests per tick ${perTick.join(', ')} (HEAD answered 200: ${heads.join(', ')}; auth challenges (401): ${challenges.join(', ')}, one per repository per process) → ${(median(perTick) / 10).toFixed(2)} requests per image`,
);
recordBench({
  id: 'warm',
  what: 'idle warm tick over 10 cached images',
  measured: `${idleMs.toFixed(0)} ms, ${(median(perTick) / 10).toFixed(2)} requests/image`,
});
console.log(`plan / idle tick = ${((planMs / idleMs) * 100).toFixed(3)}% (planning is not where a tick's time goes)`);
execFileSync('rm', ['-rf', cacheDir, userDir, seedDir]);
