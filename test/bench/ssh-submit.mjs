#!/usr/bin/env node
// Benchmark: remote submission with the driver cached (qsub-container --host) vs OpenSSH `ssh ... sbatch --parsable < script`.
// Runs both alternately in one run on the testbed, prints each median and their ratio (goal ≤ 1.2). Jobs are cancelled.
// Also --ssh-client openssh riding a live ControlMaster (one login for the whole run) against the same plain ssh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdTestbedLock } from '../tools/bench-lock.mjs';
import { recordBench } from '../tools/bench-record.mjs';
import { median, timedRun } from '../tools/bench-run.mjs';

holdTestbedLock(); // the shared testbed: under the e2e lock
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/qsub-container.cjs');
const KEY = '/var/lib/qsc-testbed/ssh/id_ed25519';
const KNOWN_HOSTS = '/var/lib/qsc-testbed/ssh/known_hosts';
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const run = (command, args, { env, stdin } = {}) => timedRun(command, args, { env: env ?? process.env }, stdin ?? '');

// A laptop: its own HOME with an ~/.ssh/config alias, known_hosts and registry credentials.
const home = mkdtempSync(join(tmpdir(), 'qsc-bench-'));
mkdirSync(join(home, '.ssh'), { mode: 0o700 });
writeFileSync(join(home, '.ssh', 'known_hosts'), readFileSync(KNOWN_HOSTS));
// Paths absolute: ssh -F (QSUB_CONTAINER_SSH_COMMAND below) reads this file, and ssh's ~ is root's passwd home, not HOME.
const controlPath = join(home, 'cm.sock');
const sshConfig = join(home, '.ssh', 'config');
writeFileSync(
  sshConfig,
  `Host cluster\n  HostName 127.0.0.1\n  Port 2222\n  User hpcuser\n  IdentityFile ${KEY}\n  UserKnownHostsFile ${join(home, '.ssh', 'known_hosts')}\n  ControlPath ${controlPath}\n`,
);
const configDir = join(home, '.config', 'qsub-container');
mkdirSync(configDir, { recursive: true });
const password = readFileSync('/var/lib/qsc-testbed/registry-password', 'utf8').trim();
// Created 0600, not chmod-ed after: never readable by others, not even for a moment.
writeFileSync(
  join(configDir, 'auth.json'),
  JSON.stringify({ auths: { '127.0.0.1:5000': { auth: Buffer.from(`qsc:${password}`).toString('base64') } } }),
  { mode: 0o600 },
);
const cacheDir = `/srv/qsc-cache/bench-${process.pid}`;
execFileSync('install', ['-d', '-o', 'hpcuser', '-g', 'hpcuser', '-m', '2775', cacheDir]);

const env = {
  HOME: home,
  USER: 'root',
  PATH: process.env.PATH,
  LANG: 'C.UTF-8',
  QSUB_CONTAINER_SSH_COMMAND: `ssh -F ${sshConfig}`,
};
// --ssh-client ssh2 named: with the master live, the default would pick OpenSSH.
const submitArgs = [
  CLI,
  '--host',
  'cluster',
  '--ssh-client',
  'ssh2',
  '--gpu',
  'tensorflow',
  '-p',
  'gengpu',
  '--cache-dir',
  cacheDir,
  '--',
  'true',
];
const viaMasterArgs = [CLI, '--host', 'cluster', '--ssh-client', 'openssh', ...submitArgs.slice(5)];
const master = (...args) => execFileSync('ssh', ['-F', sshConfig, ...args, 'cluster'], { stdio: 'ignore' });
const sshArgs = [
  '-i',
  KEY,
  '-o',
  `UserKnownHostsFile=${KNOWN_HOSTS}`,
  '-o',
  'BatchMode=yes',
  '-p',
  '2222',
  'hpcuser@127.0.0.1',
  'sbatch',
  '--parsable',
];

const jobs = [];
try {
  // Warm-up: probe the driver once (cached from then on) and render the very script both sides submit.
  await run(process.execPath, [CLI, 'detect', '--host', 'cluster', '-p', 'gengpu', '--refresh'], { env });
  const script = (await run(process.execPath, [...submitArgs.slice(0, -2), '--dry-run', '--', 'true'], { env })).stdout;
  jobs.push((await run(process.execPath, submitArgs, { env })).stdout.trim());
  jobs.push((await run('ssh', sshArgs, { stdin: script })).stdout.trim());
  master('-M', '-S', controlPath, '-o', 'ControlPersist=300', '-o', 'BatchMode=yes', '-fN'); // one login for every viaMaster run
  jobs.push((await run(process.execPath, viaMasterArgs, { env })).stdout.trim());

  const ours = [];
  const openssh = [];
  const viaMaster = [];
  const startup = [];
  for (let i = 0; i < RUNS; i++) {
    // Rotate which goes first, so drift on a shared machine hits all alike.
    const order = [
      ['qsc', 'ssh', 'cm'],
      ['ssh', 'cm', 'qsc'],
      ['cm', 'qsc', 'ssh'],
    ][i % 3];
    for (const which of order) {
      const result =
        which === 'qsc'
          ? await run(process.execPath, submitArgs, { env })
          : which === 'cm'
            ? await run(process.execPath, viaMasterArgs, { env })
            : await run('ssh', sshArgs, { stdin: script });
      jobs.push(result.stdout.trim().split('\n')[0]);
      (which === 'qsc' ? ours : which === 'cm' ? viaMaster : openssh).push(result.ms);
    }
    execFileSync('scancel', jobs.slice(-3)); // keep the shared cluster free: only submission is measured
    // The floor no SSH work can lower: Node starting at all.
    startup.push((await run(process.execPath, ['-e', '0'], { env })).ms);
  }
  const a = median(ours);
  const b = median(openssh);
  console.log(`ssh-submit: ${RUNS} runs each, alternating`);
  console.log(
    `  qsub-container --host (driver cached): median ${a.toFixed(0)} ms  [${ours.map((x) => x.toFixed(0)).join(' ')}]`,
  );
  console.log(
    `  ssh ... sbatch --parsable < script:    median ${b.toFixed(0)} ms  [${openssh.map((x) => x.toFixed(0)).join(' ')}]`,
  );
  console.log(`  ratio ${(a / b).toFixed(2)} (goal ≤ 1.2)`);
  recordBench({
    id: 'ssh',
    what: 'qsub-container --host vs ssh ... sbatch (medians)',
    measured: `${(a / b).toFixed(2)}× (${a.toFixed(0)} vs ${b.toFixed(0)} ms)`,
    goal: '≤ 1.2×',
    met: a / b <= 1.2,
  });
  const c = median(viaMaster);
  console.log(
    `  --ssh-client openssh, live ControlMaster: median ${c.toFixed(0)} ms  [${viaMaster.map((x) => x.toFixed(0)).join(' ')}]`,
  );
  console.log(`  ratio ${(c / b).toFixed(2)} vs plain ssh ... sbatch (goal < 1)`);
  recordBench({
    id: 'ssh-controlmaster',
    what: '--ssh-client openssh over a live ControlMaster vs ssh ... sbatch (medians)',
    measured: `${(c / b).toFixed(2)}× (${c.toFixed(0)} vs ${b.toFixed(0)} ms)`,
    goal: '< 1×',
    met: c / b < 1,
  });
  console.log(`  context: node -e 0 (Node start alone, no CLI, no SSH) median ${median(startup).toFixed(0)} ms`);
} finally {
  try {
    master('-O', 'exit');
  } catch {
    // no master was started
  }
  if (jobs.length)
    execFileSync(
      'scancel',
      jobs.filter((j) => /^\d+$/.test(j)),
    );
  rmSync(home, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}
