// Before e2e tests: the testbed must be up (tests fail, never skip, without it) and this build installed for its user.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLUSTER_HOME,
  CLUSTER_USER,
  E2E_PREFIX,
  SHARED_CACHE,
  REGISTRY,
  REGISTRY_PASSWORD_FILE,
  REGISTRY_USER,
  registryPassword,
} from './cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function check(what: string, command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 30_000 });
  } catch (error) {
    throw new Error(
      `e2e needs the testbed: ${what} failed (${(error as Error).message.split('\n')[0]}). Bring it up with: bash deploy/testbed/up.sh`,
      { cause: error },
    );
  }
}

/** This run's cache directories (cluster.ts freshCacheDir), removed when the run ends: the shared cache holds only what tests in flight use. */
function removeRunCacheDirs(runId: string): void {
  for (const name of readdirSync(SHARED_CACHE)) {
    if (name.startsWith('test-') && name.includes(`-run${runId}-`))
      rmSync(join(SHARED_CACHE, name), { recursive: true, force: true });
  }
}

/**
 * Slurm's default output files (slurm-<id>.out in the cluster user's home) written since this run started: jobs the
 * tests submit without -o leave them, and job ids restart with a fresh testbed, so an old file would be read as new.
 * e2e runs hold one lock (CONTRIBUTING), so what appeared since the start is this run's.
 */
function removeRunJobOutputs(startedMs: number): void {
  for (const name of readdirSync(CLUSTER_HOME)) {
    if (!/^slurm-\d+(_\d+)?\.out$/.test(name)) continue;
    const path = join(CLUSTER_HOME, name);
    if ((statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= startedMs) rmSync(path, { force: true });
  }
}

export default async function setup(): Promise<() => void> {
  // Workers inherit the environment, so every test file of this run names its cache directories with this id.
  const startedMs = Date.now() - 1_000;
  const runId = `${process.pid}${Date.now().toString(36)}`;
  process.env.QSC_E2E_RUN_ID = runId;
  if (process.getuid?.() !== 0) throw new Error('e2e tests run as root (they act as the cluster user through runuser)');
  check('slurmctld', 'scontrol', ['ping']);
  check('the cluster user', 'id', [CLUSTER_USER]);
  check('apptainer', 'apptainer', ['version']);
  if (!existsSync(REGISTRY_PASSWORD_FILE))
    throw new Error(
      'e2e needs the testbed: registry password file missing. Bring it up with: bash deploy/testbed/up.sh',
    );
  const basic = Buffer.from(`${REGISTRY_USER}:${registryPassword()}`).toString('base64');
  const ping = await fetch(`http://${REGISTRY}/v2/`, { headers: { authorization: `Basic ${basic}` } }).catch(
    (e: Error) => e,
  );
  if (!(ping instanceof Response) || ping.status !== 200) {
    throw new Error(
      `e2e needs the testbed: registry ${REGISTRY} did not answer 200 (${ping instanceof Response ? ping.status : ping.message}). Bring it up with: bash deploy/testbed/up.sh`,
    );
  }
  execFileSync('bash', ['deploy/install.sh', E2E_PREFIX, '--no-link'], { cwd: ROOT, stdio: 'pipe' });
  return () => {
    removeRunCacheDirs(runId);
    removeRunJobOutputs(startedMs);
  };
}
