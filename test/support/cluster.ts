// Drive the real testbed from tests: run the installed CLI as the cluster user, follow jobs, read the registry.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLUSTER_USER = 'hpcuser';
export const CLUSTER_HOME = `/home/${CLUSTER_USER}`;
export const REGISTRY = '127.0.0.1:5000';
export const REGISTRY_USER = 'qsc';
export const REGISTRY_PASSWORD_FILE = '/var/lib/qsc-testbed/registry-password';
export const SHARED_CACHE = '/srv/qsc-cache';
/**
 * Each checkout's e2e run installs its own build under its own prefix (see e2e-global-setup.ts), so two
 * checkouts testing on one testbed at once never run each other's code.
 */
export const E2E_PREFIX = `/opt/qsc-e2e/${createHash('sha256')
  .update(fileURLToPath(new URL('../../', import.meta.url)))
  .digest('hex')
  .slice(0, 12)}`;
export const CLI = `${E2E_PREFIX}/bin/qsub-container`;

export const registryPassword = () => readFileSync(REGISTRY_PASSWORD_FILE, 'utf8').trim();

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * runuser's arguments and spawn options to run `argv` as `user`, in `home`, with exactly a clean login-like environment
 * plus `env`. The variables travel in the process environment (`runuser -m` keeps it), never as `env K=V` arguments:
 * tests pass passwords in variables, and argv is readable by every user (ps, /proc/PID/cmdline).
 */
export function asUser(user: string, home: string, argv: readonly string[], env: Record<string, string> = {}) {
  const vars = {
    HOME: home,
    USER: user,
    LOGNAME: user,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    ...env,
  };
  return {
    command: '/usr/sbin/runuser',
    args: ['-u', user, '-m', '--', 'env', '-C', home, ...argv],
    env: vars,
  };
}

/** asUser for the cluster user. */
export const asClusterUser = (argv: readonly string[], env: Record<string, string> = {}) =>
  asUser(CLUSTER_USER, CLUSTER_HOME, argv, env);

/** Run a process to its end; its exit code (null when killed by a signal) and output. */
export function runProcess(
  run: { command: string; args: readonly string[]; env: Record<string, string> },
  stdin = '',
): Promise<CliResult> {
  const child = spawn(run.command, run.args, { env: run.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.end(stdin);
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    ),
  );
}

/** Run a command as the cluster user with a clean login-like environment (plus `env`). */
export const runAsUser = (argv: readonly string[], env: Record<string, string> = {}, stdin = '') =>
  runProcess(asClusterUser(argv, env), stdin);

export const qsc = (args: readonly string[], env: Record<string, string> = {}) => runAsUser([CLI, ...args], env);

export function sh(command: string, args: readonly string[] = []): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

/** Job ids in the queue (pending or running), optionally only those with a job name: proof a refusal queued nothing. */
export const queuedJobIds = (name?: string) =>
  sh('squeue', ['--noheader', '--format=%i', ...(name ? [`--name=${name}`] : [])])
    .split('\n')
    .filter(Boolean)
    .sort();

export function jobFields(jobId: string): Record<string, string> {
  const line = sh('scontrol', ['show', 'job', '-o', jobId]);
  // One "Key=Value" per field, values without spaces except the last ones; good enough for the fields used here.
  return Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
}

/** The job name exactly as Slurm stored it: the rest of the first line of `scontrol show job`. */
export function jobName(jobId: string): string {
  const first = sh('scontrol', ['show', 'job', jobId]).split('\n')[0]!;
  return first.slice(first.indexOf('JobName=') + 'JobName='.length);
}

const TERMINAL = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
]);

/** Wait for a job to end; returns its final state and the text of its output file. */
export async function waitForJob(jobId: string, timeoutMs = 150_000): Promise<{ state: string; output: string }> {
  const deadline = Date.now() + timeoutMs;
  const stdOut = jobFields(jobId).StdOut!;
  for (;;) {
    const state = jobFields(jobId).JobState!;
    if (TERMINAL.has(state)) return { state, output: readFileSync(stdOut, 'utf8') };
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A fresh cache directory owned by the cluster user, inside the shared cache. */
/** Names this e2e run's cache directories, so the global teardown removes exactly those (e2e-global-setup.ts). */
export const E2E_RUN_ID = process.env.QSC_E2E_RUN_ID ?? 'adhoc';

export function freshCacheDir(label: string): string {
  const dir = `${SHARED_CACHE}/test-${label}-run${E2E_RUN_ID}-${process.pid}-${Date.now()}`;
  sh('install', ['-d', '-o', CLUSTER_USER, '-g', CLUSTER_USER, '-m', '2775', dir]);
  return dir;
}
