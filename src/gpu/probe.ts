// Probe a partition's GPU driver through Slurm: check it has GPUs, then read the driver on one node of each node group,
// with a one-CPU step reading the kernel module's files (no GPU needed), or nvidia-smi in a step holding a GPU.
import {
  DataError,
  NoGpuError,
  PartitionWithoutGpuError,
  TemporaryError,
  UnavailableError,
  UnknownPartitionError,
} from '../errors.js';
import { gpuTypes, parsePartitionInfo, sinfoPartitionArgv, SINFO_LIST_ARGV } from '../slurm/sinfo.js';
import type { Runner } from '../transport/runner.js';
import { compareVersionText } from '../ngc/version.js';
import { isFeatureName, type SlurmConstraint } from '../slurm/feature-constraint.js';
import { cpuProbeArgv, parseCpuProbe, taggedJobName } from './cpu-probe.js';
import type { FactSource } from './driver-facts.js';
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
  /** How the group's driver was learned; absent in cache entries written before sources were kept. */
  readonly source?: FactSource | undefined;
  /** Seconds since the fact was recorded (0 for one learned now). */
  readonly ageSeconds?: number | undefined;
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
  /** "cpu" (default): a GPU-less step reading /proc/driver/nvidia; "gpu": nvidia-smi in a step holding a GPU. */
  readonly probe?: 'cpu' | 'gpu' | undefined;
  /** The site's driverVersionFile, which the CPU probe reads instead of /proc/driver/nvidia/version. */
  readonly versionFile?: string | undefined;
  /** Unique to one run of the tool and carried in its probes' job names, so stopping that run cancels them by name. */
  readonly runTag?: string | undefined;
  /**
   * The way around probing that the caller offers, named in a failed probe's hint (submit and tags: "pass --driver
   * VERSION ..."); undefined where there is none (detect, the warmer), so no hint names a flag the command lacks.
   */
  readonly bypass?: string | undefined;
  /**
   * This run's sinfo has already shown that the partition exists and has GPUs (submit's choice of Slurm's default
   * partition, default-partition.ts): the probe does not ask sinfo that again.
   */
  readonly gpuPartitionKnown?: boolean | undefined;
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
    `--job-name=${taggedJobName(PROBE_JOB_NAME, o.runTag)}`,
    `--immediate=${o.waitSeconds}`,
    '--quiet',
    '--',
    'nvidia-smi',
    `--query-gpu=${QUERY_FIELDS.join(',')}`,
    '--format=csv,noheader',
  ];
}

const PICK_GPU_PARTITION = "pick a GPU partition (sinfo -o '%P %G' shows which have gpu)";

/** sinfo's stdout; sinfo missing or failing is the cluster being unreachable (69), said once for every sinfo call. */
export async function runSinfo(runner: Runner, argv: readonly string[]): Promise<string> {
  const result = await runner.run({ argv, timeoutMs: 30_000 });
  if (result.code === 127)
    throw new UnavailableError('sinfo is not on PATH', {
      hint: 'run qsub-container on a Slurm login node, or load the Slurm module',
    });
  if (result.code !== 0)
    throw new UnavailableError(`sinfo failed: ${result.stderr.trim() || `exit ${result.code}`}`, {
      hint: 'check that slurmctld is up (scontrol ping)',
    });
  return result.stdout;
}

export async function checkPartition(
  runner: Runner,
  { partition, gpuPartitionKnown }: Pick<ProbeOptions, 'partition' | 'gpuPartitionKnown'>,
): Promise<void> {
  if (gpuPartitionKnown) return;
  const stdout = await runSinfo(runner, sinfoPartitionArgv(partition));
  const info = parsePartitionInfo(stdout, partition);
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
    throw new PartitionWithoutGpuError(`partition ${partition} has no GPUs (its nodes have no gpu GRES)`, {
      hint: PICK_GPU_PARTITION,
    });
  }
}

/** The node groups a job could land on; an empty list when sinfo cannot tell (then one unpinned probe is made). */
export async function jobGroups(runner: Runner, options: ProbeOptions): Promise<NodeGroup[]> {
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
  await checkPartition(runner, options);
  const groups = await jobGroups(runner, options);
  if (groups.length === 0) {
    const one = await probeNode(runner, options, undefined);
    return { partition: options.partition, driverVersion: one.driverVersion, gpus: one.gpus };
  }
  // One node per group, all at once: groups differ in hardware, nodes inside a group are alike.
  return lowestOf(options.partition, await Promise.all(groups.map((g) => probeGroup(runner, options, g))));
}

/** The driver of one node group, learned on its first node (sinfo lists the usable ones first). */
export async function probeGroup(runner: Runner, options: ProbeOptions, group: NodeGroup): Promise<GroupProbe> {
  const node = group.nodes[0]!;
  const found = await probeNode(runner, options, node);
  return {
    nodes: group.nodes,
    probedNode: node,
    gres: group.gres,
    features: group.features,
    driverVersion: found.driverVersion,
    gpus: found.gpus,
    source: found.source,
    ageSeconds: 0,
  };
}

/** The partition's answer from its groups': the lowest driver, which every node a job could land on meets. */
export function lowestOf(partition: string, groups: readonly GroupProbe[]): DriverProbe {
  const lowest = groups.reduce((min, p) => (compareVersionText(p.driverVersion, min.driverVersion) < 0 ? p : min));
  return { partition, driverVersion: lowest.driverVersion, gpus: groups.flatMap((p) => p.gpus), groups };
}

interface NodeDriver {
  readonly driverVersion: string;
  readonly gpus: readonly GpuInfo[];
  readonly source: 'cpu-probe' | 'gpu-probe';
}

/** ", or <the caller's way around probing>", or nothing. */
const orBypass = (options: ProbeOptions) => (options.bypass ? `, or ${options.bypass}` : '');
/** srun's words when --immediate ran out or the pinned node has nothing free. */
const BUSY = /immediate|busy|unable to allocate resources: .*(?:timeout|not available now)/i;

/**
 * The CPU probe first (unless the site says its steps need a GPU): it starts while every GPU is taken. A node whose
 * jobs cannot read the kernel module's version file (none there, or hidden) is asked with nvidia-smi instead.
 */
async function probeNode(runner: Runner, options: ProbeOptions, node: string | undefined): Promise<NodeDriver> {
  if (node === undefined || options.probe === 'gpu') return gpuProbeNode(runner, options, node);
  const argv = cpuProbeArgv({
    partition: options.partition,
    node,
    account: options.account,
    waitSeconds: options.waitSeconds,
    versionFile: options.versionFile,
    runTag: options.runTag,
  });
  const result = await runner.run({ argv, timeoutMs: (options.waitSeconds + 60) * 1000 });
  const parsed = parseCpuProbe(result.stdout);
  if (result.code === 0 && parsed.kind === 'ok')
    return {
      driverVersion: parsed.driverVersion,
      gpus: parsed.gpuModels.map((name) => ({ name })),
      source: 'cpu-probe',
    };
  if (result.timedOut || BUSY.test(result.stderr))
    throw new TemporaryError(
      `no CPU of ${options.partition} (node ${node}) was free for the driver probe within ${options.waitSeconds}s`,
      { hint: `retry later${orBypass(options)}` },
    );
  if (result.code === 3 || parsed.kind === 'no-driver') return gpuProbeNode(runner, options, node);
  throw new DataError(
    `the driver probe on ${options.partition} (node ${node}) failed: ${lastLine(result.stderr || result.stdout)}`,
    { hint: `tell the cluster admins${orBypass(options)}` },
  );
}

async function gpuProbeNode(runner: Runner, options: ProbeOptions, node: string | undefined): Promise<NodeDriver> {
  const result = await runner.run({ argv: probeArgv(options, node), timeoutMs: (options.waitSeconds + 60) * 1000 });
  const parsed = parseNvidiaSmi(result.stdout, { queryFields: QUERY_FIELDS });
  if (parsed.kind === 'ok' && parsed.driverVersion)
    return { driverVersion: parsed.driverVersion, gpus: parsed.gpus, source: 'gpu-probe' };
  const where = node ? `${options.partition} (node ${node})` : options.partition;
  if (result.timedOut || BUSY.test(result.stderr)) {
    throw new TemporaryError(`no GPU of ${where} was free to run nvidia-smi within ${options.waitSeconds}s`, {
      hint: `retry later${orBypass(options)}`,
    });
  }
  if (parsed.kind === 'failure' && parsed.reason !== 'unparseable') {
    throw new DataError(`nvidia-smi on ${where} failed: ${parsed.message}`, {
      hint: `the node's driver is broken or being upgraded: tell the cluster admins${orBypass(options)}`,
    });
  }
  if (/gres|generic resource|node configuration/i.test(result.stderr)) {
    throw new NoGpuError(`Slurm cannot give a GPU on ${where}: ${lastLine(result.stderr)}`, {
      hint: options.gpuType ? `check --gpu-type ${options.gpuType} against sinfo -o '%P %G'` : "see sinfo -o '%P %G'",
    });
  }
  throw new DataError(
    `could not read a driver version from nvidia-smi on ${where}: ${lastLine(result.stdout + result.stderr)}`,
    { hint: `tell the cluster admins${orBypass(options)}` },
  );
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) || '(no output)';
