// Before e2e tests: the testbed must be up (tests fail, never skip, without it) and this build installed for its user.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CLUSTER_USER,
  E2E_PREFIX,
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

export default async function setup(): Promise<void> {
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
}
