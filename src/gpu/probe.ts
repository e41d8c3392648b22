// Probe a partition's GPU driver through Slurm: check it has GPUs, then run nvidia-smi on one node of each node group.
import { DataError, NoGpuError, TemporaryError, UnavailableError, UnknownPartitionError } from '../errors.js';
import { gpuTypes, parsePartitionInfo, sinfoPartitionArgv, SINFO_LIST_ARGV } from '../slurm/sinfo.js';
import type { Runner } from '../transport/runner.js';
import { compareVersionText } from '../ngc/version.js';
import { isFeatureName, type SlurmConstraint } from '../slurm/feature-constraint.js';
import { describeGroup, groupsForJob, parseNodeGroups, sinfoNodesArgv, type NodeGroup } from './node-groups.js';
import { parseNvidiaSmi, type GpuInfo } from './nvidia-smi.js';

export interface GroupProbe {
  readonly nodes: readonly string[];
  /** The node nvidia-smi ran on. */
  readonly probedNode: string;
  readonly gres: string;
  readonly features: readonly string[];
  readonly driverVersion: string;
  readonly gpus: readonly GpuInfo[];
}

export interface DriverProbe {
  readonly partition: string;
  /** The lowest driver over the node groups a job could land on: the one selection must respect. */
  readonly driverVersion: string;
  /** GPUs seen on the probed nodes (one node per group). */
  readonly gpus: readonly GpuInfo[];
  /** Per node group; absent in cache entries written before groups were probed. */
  readonly groups?: readonly GroupProbe[];
}

export interface ProbeOptions {
  readonly partition: string;
  readonly gpuType: string | undefined;
  /** Slurm feature constraint (-C) that narrows the node groups. */
  readonly constraint?: SlurmConstraint | undefined;
  readonly account: string | undefined;
  /** How long Slurm may take to start the probe before we give up. */
  readonly waitSeconds: number;
  /** The probe job's name: unique to one run of the tool, so stopping that run can cancel it by name. */
  readonly jobName?: string | undefined;
}

export const PROBE_JOB_NAME = 'qsub-container-probe';

const QUERY_FIELDS = ['driver_version', 'name'];

export function probeArgv(o: ProbeOptions, node?: string): string[] {
  return [
    'srun',
    `--partition=${o.partition}`,
    ...(node ? [`--nodelist=${node}`] : []),
    // Unpinned (sinfo could not name the groups): Slurm itself keeps the probe on nodes that satisfy the constraint.
    ...(!node && o.constraint ? [`--constraint=${o.constraint.text}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    `--gres=gpu:${o.gpuType ? `${o.gpuType}:` : ''}1`,
    '--nodes=1',
    '--ntasks=1',
    '--time=2',
    `--job-name=${o.jobName ?? PROBE_JOB_NAME}`,
    `--immediate=${o.waitSeconds}`,
    '--quiet',
    '--',
    'nvidia-smi',
    `--query-gpu=${QUERY_FIELDS.join(',')}`,
    '--format=csv,noheader',
  ];
}

async function checkPartition(runner: Runner, partition: string): Promise<void> {
  const result = await runner.run({ argv: sinfoPartitionArgv(partition), timeoutMs: 30_000 });
  if (result.code === 127)
    throw new UnavailableError('sinfo is not on PATH', {
      hint: 'run qsub-container on a Slurm login node, or load the Slurm module',
    });
  if (result.code !== 0)
    throw new UnavailableError(`sinfo failed: ${result.stderr.trim() || `exit ${result.code}`}`, {
      hint: 'check that slurmctld is up (scontrol ping)',
    });
  const info = parsePartitionInfo(result.stdout, partition);
  if (!info) {
    const all = await runner.run({ argv: [...SINFO_LIST_ARGV], timeoutMs: 30_000 });
    const names = [
      ...new Set(
        all.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ];
    throw new UnknownPartitionError(`partition ${JSON.stringify(partition)} does not exist`, {
      hint: names.length ? `partitions here: ${names.join(', ')}` : 'list partitions with: sinfo -s',
    });
  }
  if (gpuTypes(info).length === 0) {
    throw new NoGpuError(`partition ${partition} has no GPUs (its nodes have no gpu GRES)`, {
      hint: "pick a GPU partition (sinfo -o '%P %G' shows which have gpu), or drop --gpu for a CPU job",
    });
  }
}

/** The node groups a job could land on; an empty list when sinfo cannot tell (then one unpinned probe is made). */
async function jobGroups(runner: Runner, options: ProbeOptions): Promise<NodeGroup[]> {
  const result = await runner.run({ argv: sinfoNodesArgv(options.partition), timeoutMs: 30_000 });
  const all = result.code === 0 ? parseNodeGroups(result.stdout) : [];
  const constraint = options.constraint?.text;
  const groups = groupsForJob(all, options.gpuType, options.constraint?.parsed);
  if (all.length > 0 && groups.length === 0) {
    const feature =
      constraint && (isFeatureName(constraint) ? `feature ${constraint}` : `features matching ${constraint}`);
    const wanted = [options.gpuType && `GPU type ${options.gpuType}`, feature].filter(Boolean).join(' and ');
    throw new NoGpuError(`no node of ${options.partition} has ${wanted}`, {
      hint: `node groups there: ${all.map(describeGroup).join('; ')}`,
    });
  }
  return groups;
}

export async function probeDriver(runner: Runner, options: ProbeOptions): Promise<DriverProbe> {
  await checkPartition(runner, options.partition);
  const groups = await jobGroups(runner, options);
  if (groups.length === 0) {
    const one = await probeNode(runner, options, undefined);
    return { partition: options.partition, driverVersion: one.driverVersion, gpus: one.gpus };
  }
  // One node per group, all at once: groups differ in hardware, nodes inside a group are alike.
  const probes = await Promise.all(
    groups.map(async (g): Promise<GroupProbe> => {
      const node = g.nodes[0]!;
      const found = await probeNode(runner, options, node);
      return {
        nodes: g.nodes,
        probedNode: node,
        gres: g.gres,
        features: g.features,
        driverVersion: found.driverVersion,
        gpus: found.gpus,
      };
    }),
  );
  const lowest = probes.reduce((min, p) => (compareVersionText(p.driverVersion, min.driverVersion) < 0 ? p : min));
  return {
    partition: options.partition,
    driverVersion: lowest.driverVersion,
    gpus: probes.flatMap((p) => p.gpus),
    groups: probes,
  };
}

async function probeNode(
  runner: Runner,
  options: ProbeOptions,
  node: string | undefined,
): Promise<{ driverVersion: string; gpus: readonly GpuInfo[] }> {
  const result = await runner.run({ argv: probeArgv(options, node), timeoutMs: (options.waitSeconds + 60) * 1000 });
  const parsed = parseNvidiaSmi(result.stdout, { queryFields: QUERY_FIELDS });
  if (parsed.kind === 'ok' && parsed.driverVersion) return { driverVersion: parsed.driverVersion, gpus: parsed.gpus };
  const where = node ? `${options.partition} (node ${node})` : options.partition;
  const bypass = 'or pass --driver VERSION to choose without probing';
  if (
    result.timedOut ||
    /immediate|unable to allocate resources: .*(?:timeout|not available now)/i.test(result.stderr)
  ) {
    throw new TemporaryError(`no node of ${where} was free to run nvidia-smi within ${options.waitSeconds}s`, {
      hint: `retry later, ${bypass}`,
    });
  }
  if (parsed.kind === 'failure' && parsed.reason !== 'unparseable') {
    throw new DataError(`nvidia-smi on ${where} failed: ${parsed.message}`, {
      hint: `the node's driver is broken or being upgraded: tell the cluster admins, ${bypass}`,
    });
  }
  if (/gres|generic resource|node configuration/i.test(result.stderr)) {
    throw new NoGpuError(`Slurm cannot give a GPU on ${where}: ${lastLine(result.stderr)}`, {
      hint: options.gpuType ? `check --gpu-type ${options.gpuType} against sinfo -o '%P %G'` : "see sinfo -o '%P %G'",
    });
  }
  throw new DataError(
    `could not read a driver version from nvidia-smi on ${where}: ${lastLine(result.stdout + result.stderr)}`,
    {
      hint: bypass,
    },
  );
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) || '(no output)';
