#!/usr/bin/env node
// Benchmark P1 (issue 11): a cold `--dry-run --driver D` against the testbed's registry vs the floor (node sending just
// the two registry requests a dry run needs) and `node -e 0`, as the cluster user, in rotating order in one run; prints
// medians and the ratio to the floor (goal ≤ 1.5×). Needs root and the testbed.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdTestbedLock } from '../tools/bench-lock.mjs';
import { recordBench } from '../tools/bench-record.mjs';
import { median, timedRun } from '../tools/bench-run.mjs';

holdTestbedLock(); // the shared testbed: under the e2e lock
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/qsub-container.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const USER = 'hpcuser';
const HOME = `/home/${USER}`;
const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));

// The user's own config (registry 127.0.0.1:5000 with Basic auth, its auth.json); only the tool cache is the bench's.
const scratch = mkdtempSync(join(tmpdir(), 'qsc-bench-startup-'));
chownSync(scratch, uid, gid);
const warmCache = join(scratch, 'warm');
const env = (cacheHome) => ({
  HOME,
  USER,
  LOGNAME: USER,
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
  XDG_CACHE_HOME: cacheHome,
});

/** One process as the cluster user (spawned with its uid/gid directly, so no wrapper is timed); resolves wall ms. */
function run(args, cacheHome = warmCache, extraEnv = {}) {
  return timedRun(process.execPath, args, { uid, gid, cwd: HOME, env: { ...env(cacheHome), ...extraEnv } });
}

const DRY_RUN = [CLI, '--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--driver', '580.159.04', '--', 'true'];
// What no CLI can go below: Node starting plus the two registry answers a dry run needs (tag list, then the chosen
// tag's manifest), sent at once with Basic auth over one keep-alive agent, nothing else. The credentials reach it in its
// environment (readable by its user and root only), never in its argv.
const basic = Buffer.from(`qsc:${readFileSync('/var/lib/qsc-testbed/registry-password', 'utf8').trim()}`).toString(
  'base64',
);
const FLOOR = `const http = require('node:http'); const agent = new http.Agent({ keepAlive: true });
const get = (path, accept) => new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: 5000, path, agent,
  headers: { authorization: 'Basic ' + process.env.QSC_BENCH_BASIC, accept } }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject));
Promise.all([get('/v2/nvidia/tensorflow/tags/list?n=1000', '*/*'),
  get('/v2/nvidia/tensorflow/manifests/25.02-tf2-py3', 'application/vnd.oci.image.manifest.v1+json')]).then(() => agent.destroy());`;
let fresh = 0;
const variants = {
  node: { label: 'node -e 0', args: () => ['-e', '0'] },
  floor: { label: 'floor: node + 2 registry GETs', args: () => ['-e', FLOOR], env: { QSC_BENCH_BASIC: basic } },
  help: { label: 'qsub-container --help', args: () => [CLI, '--help'] },
  dryRun: { label: 'P1 dry-run (tool cache warm)', args: () => DRY_RUN },
  // A user's very first run: nothing cached yet (no image config, no learned auth scheme).
  firstRun: {
    label: 'P1 dry-run, empty tool cache',
    args: () => DRY_RUN,
    cache: () => join(scratch, `fresh-${fresh++}`),
  },
};

try {
  // Warm-up: fill the tool cache and the OS page cache, and prove the dry run works before timing it.
  for (let i = 0; i < 3; i++) for (const v of Object.values(variants)) await run(v.args(), v.cache?.(), v.env);
  const script = (await run(DRY_RUN)).stdout;
  if (!script.includes('#SBATCH')) throw new Error('the dry run printed no job script');
  // How many HTTP exchanges a dry run makes (warm tool cache), from its own debug log.
  const debug = (await run([...DRY_RUN.slice(0, -2), '--log-level', 'debug', '--', 'true'])).stderr;
  const exchanges = debug
    .split('\n')
    .filter((l) => l.includes('"event":"registry.http"'))
    .map((l) => JSON.parse(l));

  // The machine is shared: its load says how far to trust the medians (ratios hold better than absolute times).
  const loadBefore = loadavg()[0];
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const names = Object.keys(variants);
  for (let i = 0; i < RUNS; i++) {
    // Rotate the order every round, so drift on a shared, noisy machine hits every variant alike.
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      const v = variants[name];
      times[name].push((await run(v.args(), v.cache?.(), v.env)).ms);
    }
  }
  const m = Object.fromEntries(names.map((k) => [k, median(times[k])]));
  const load = `load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`;
  console.log(`startup (P1): ${RUNS} runs each, rotating order, as ${USER}, registry from ${USER}'s config; ${load}`);
  for (const name of names) {
    console.log(
      `  ${variants[name].label.padEnd(30)} median ${m[name].toFixed(0).padStart(4)} ms  ${(m[name] / m.node).toFixed(2)}× node  ${(m[name] / m.floor).toFixed(2)}× floor  [${times[name].map((x) => x.toFixed(0)).join(' ')}]`,
    );
  }
  console.log(
    `  registry round trips per dry run (warm tool cache): ${exchanges.length} (${exchanges.map((e) => `${e.method} ${e.path.replace(/sha256:\w+/, 'sha256:…')} ${e.status}`).join(', ')})`,
  );
  // P1 (issue 11): the dry run against what a fresh answer physically needs, the floor; node -e 0 shown for scale.
  console.log(
    `  P1 ratio dry-run / floor: ${(m.dryRun / m.floor).toFixed(2)}× (goal ≤ 1.5×; the tool's own work: ${(m.dryRun - m.floor).toFixed(0)} ms); dry-run / node -e 0: ${(m.dryRun / m.node).toFixed(2)}×, floor / node -e 0: ${(m.floor / m.node).toFixed(2)}×`,
  );
  recordBench({
    id: 'P1',
    what: 'cold --dry-run --driver D vs the floor: node + the 2 registry GETs (medians)',
    measured: `${(m.dryRun / m.floor).toFixed(2)}× (${m.dryRun.toFixed(0)} vs ${m.floor.toFixed(0)} ms; node -e 0 ${m.node.toFixed(0)} ms; ${load})`,
    goal: '≤ 1.5× floor',
    met: m.dryRun / m.floor <= 1.5,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
