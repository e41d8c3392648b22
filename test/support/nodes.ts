// Per-node conditions of the testbed's GPU nodes: their driver (switched, with a slurmd restart, as an upgrade is) and
// the multi-node partition's node-local /tmp, seen from the host. Wraps deploy/testbed/node-driver.sh (run as root).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sh } from './cluster.js';

const NODE_DRIVER = fileURLToPath(new URL('../../deploy/testbed/node-driver.sh', import.meta.url));
const NODES_DIR = '/var/lib/qsc-testbed/nodes';

/** The two alike H100 nodes of partition gpu-multi; each has a /tmp of its own. */
export const MULTI_PARTITION = 'gpu-multi';
export const MULTI_NODES = ['gpu04', 'gpu05'] as const;

/**
 * Driver profiles (deploy/testbed/node-drivers/): the node's /proc/driver/nvidia (version, gpus/<bus>/information) and
 * its nvidia-smi answers. "none": no /proc/driver/nvidia, nvidia-smi answers by partition (gpu01-03's default).
 */
export type DriverProfile = 'h100-580.159.04' | 'h100-550.90.07' | 'v100-525.105.17' | 'none';

/** The host path of a gpu-multi node's /tmp (what its jobs and sbcast write there appears here). */
export const nodeLocalTmp = (node: (typeof MULTI_NODES)[number]) => `${NODES_DIR}/${node}/tmp`;

/** The host path of the directory a node's jobs see as /proc/driver. */
export const nodeProcDriver = (node: string) => `${NODES_DIR}/${node}/proc-driver`;

export const nodeDriver = (node: string): DriverProfile =>
  execFileSync('bash', [NODE_DRIVER, 'show', node], { encoding: 'utf8' }).trim() as DriverProfile;

/**
 * SlurmdStartTime as slurmctld reports it (`scontrol show node -o NODE`): it changes when the node's slurmd restarts.
 * (BootTime is the host's boot for every node here, and each slurmd start recomputes it from the uptime: it can move
 * by a second on a restart.)
 */
export function slurmdStartTime(node: string): string {
  const match = /SlurmdStartTime=(\S+)/.exec(sh('scontrol', ['show', 'node', '-o', node]));
  if (!match) throw new Error(`scontrol shows no SlurmdStartTime for ${node}`);
  return match[1]!;
}

export interface DriverChange {
  readonly node: string;
  readonly previous: DriverProfile;
  readonly profile: DriverProfile;
  /** Back to `previous`, restarting the node's slurmd again (an admin's downgrade). */
  revert(): void;
}

/**
 * "Upgrades" `node` to `profile`: its driver files and nvidia-smi answers change and, unless `restart: false`, its
 * slurmd restarts (returns once slurmctld shows the new SlurmdStartTime and the node is usable). Running jobs keep
 * running and see the new files at once, as after a module reload. Call revert() in afterAll.
 */
export function switchNodeDriver(
  node: string,
  profile: DriverProfile,
  options: { restart?: boolean } = {},
): DriverChange {
  const previous = nodeDriver(node);
  const restart = options.restart ?? true;
  const set = (to: DriverProfile) =>
    execFileSync('bash', [NODE_DRIVER, 'set', node, to, ...(restart ? ['--restart'] : [])], { stdio: 'pipe' });
  set(profile);
  return { node, previous, profile, revert: () => set(previous) };
}
