// The hostile neighbour on the testbed: mallory, a second cluster user in the shared cache's group, run as (runuser) or
// logged in as (her own key on the testbed sshd), for tests that play her against the cluster user.
import { asUser, runProcess, SHARED_CACHE, sh, type CliResult } from './cluster.js';

export const NEIGHBOUR = 'mallory';
export const NEIGHBOUR_HOME = `/home/${NEIGHBOUR}`;
/** Root-only private key that logs in as her on 127.0.0.1:2222 (deploy/testbed/lib/neighbour.sh). */
export const NEIGHBOUR_KEY = '/var/lib/qsc-testbed/ssh/mallory_ed25519';
const KNOWN_HOSTS = '/var/lib/qsc-testbed/ssh/known_hosts';

/** The group that owns the shared cache directory, which she belongs to. */
export const cacheGroup = () => sh('stat', ['-c', '%G', SHARED_CACHE]).trim();

/** runuser spec for `argv` as her, in her home, with a clean login-like environment plus `env` (not in argv). */
export const asNeighbour = (argv: readonly string[], env: Record<string, string> = {}) =>
  asUser(NEIGHBOUR, NEIGHBOUR_HOME, argv, env);

/** Run a command as her (runuser -u mallory), e.g. to plant files in the shared cache or submit jobs. */
export const runAsNeighbour = (argv: readonly string[], env: Record<string, string> = {}, stdin = '') =>
  runProcess(asNeighbour(argv, env), stdin);

/** Run a remote command as her over the testbed sshd (the command line is one string, as ssh sends it). */
export function sshAsNeighbour(command: string, stdin = ''): Promise<CliResult> {
  return runProcess(
    {
      command: 'ssh',
      args: [
        '-i',
        NEIGHBOUR_KEY,
        '-o',
        `UserKnownHostsFile=${KNOWN_HOSTS}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-p',
        '2222',
        `${NEIGHBOUR}@127.0.0.1`,
        command,
      ],
      env: { PATH: '/usr/bin:/bin', HOME: '/root' },
    },
    stdin,
  );
}
