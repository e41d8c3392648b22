// Makes a partition busy for real: one job per node holding all its GPUs (optionally all its CPUs), until released.
import { sh } from './cluster.js';

/** The name of every occupying job: tests can tell them from their own (squeue --name). */
export const BUSY_JOB_NAME = 'qsc-testbed-busy';

export interface PartitionNode {
  readonly node: string;
  /** The node's whole GRES, as `sinfo -N -o %G` prints it ("gpu:h100:2,gpu:v100:2"); "(null)" without any. */
  readonly gres: string;
  readonly cpus: number;
}

export interface Occupation {
  readonly partition: string;
  readonly nodes: readonly PartitionNode[];
  readonly jobIds: readonly string[];
  /** Cancels the jobs and waits until none is listed and every node they held is idle again. */
  release(): Promise<void>;
}

export function partitionNodes(partition: string): PartitionNode[] {
  const lines = sh('sinfo', ['-h', '-N', '-p', partition, '-o', '%N %G %c']).split('\n').filter(Boolean);
  const nodes = new Map<string, PartitionNode>();
  for (const line of lines) {
    const [node, gres, cpus] = line.trim().split(/\s+/);
    nodes.set(node!, { node: node!, gres: gres!, cpus: Number(cpus) });
  }
  return [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`busy partition: ${what} not within ${timeoutMs} ms`);
    await pause(250);
  }
}

const states = (ids: readonly string[]) =>
  sh('squeue', ['-h', '-j', ids.join(','), '-o', '%T'])
    .split('\n')
    .filter(Boolean);
/**
 * Whether slurmctld shows the node holding nothing: its state IDLE (flags such as +PLANNED aside), no CPU and no TRES
 * allocated. Asked with scontrol, not sinfo: after a pending job on the node is cancelled, Slurm 22.05's sinfo kept
 * showing the node "mixed 1/7/0/8" for minutes while scontrol showed it IDLE with CPUAlloc=0 (seen here).
 */
const nodeFree = (node: string) => {
  const fields = new Map(
    sh('scontrol', ['show', 'node', '-o', node])
      .trim()
      .split(/\s+/)
      .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const),
  );
  return /^IDLE\b/.test(fields.get('State') ?? '') && fields.get('CPUAlloc') === '0' && fields.get('AllocTRES') === '';
};

/**
 * Submits, as root, one `sleep` job per node of `partition` holding the node's full GRES with one CPU (`cpus: true`:
 * all its CPUs too), and waits until all of them run. On those nodes `srun --gres=gpu:1 --immediate=N` then ends with
 * "Requested nodes are busy"; without `cpus`, a step without --gres (`srun -c1 --immediate=N`) still starts. Nodes are
 * shared between partitions (gengpu, gpu-legacy and gpu-broken are all gpu01): occupying one occupies them all.
 */
export async function occupyPartition(partition: string, options: { cpus?: boolean } = {}): Promise<Occupation> {
  const nodes = partitionNodes(partition);
  if (nodes.length === 0) throw new Error(`busy partition: ${partition} has no nodes`);
  const jobIds: string[] = [];
  const release = async () => {
    if (jobIds.length > 0) sh('scancel', jobIds);
    await until(
      'the occupying jobs to leave the queue',
      60_000,
      () => jobIds.length === 0 || states(jobIds).length === 0,
    );
    await until('the nodes to be idle again', 60_000, () => nodes.every((n) => nodeFree(n.node)));
  };
  try {
    for (const n of nodes) {
      const args = ['--parsable', '-J', BUSY_JOB_NAME, '-p', partition, '-w', n.node, '-o', '/dev/null'];
      if (n.gres !== '(null)') args.push(`--gres=${n.gres}`);
      args.push('-c', String(options.cpus ? n.cpus : 1), '--wrap', 'sleep 3600');
      jobIds.push(sh('sbatch', args).trim().split(';')[0]!);
    }
    await until('the occupying jobs to run', 60_000, () => {
      const s = states(jobIds);
      return s.length === jobIds.length && s.every((state) => state === 'RUNNING');
    });
  } catch (error) {
    await release();
    throw error;
  }
  return { partition, nodes, jobIds, release };
}
