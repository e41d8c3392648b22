// Probe a partition's GPU driver through Slurm: check the partition has GPUs, then run nvidia-smi on one of its nodes.
import { DataError, NoGpuError, TemporaryError, UnavailableError, UnknownPartitionError } from '../errors.js';
import { gpuTypes, parsePartitionInfo, sinfoPartitionArgv, SINFO_LIST_ARGV } from '../slurm/sinfo.js';
import type { Runner } from '../transport/runner.js';
import { parseNvidiaSmi, type GpuInfo } from './nvidia-smi.js';

export interface DriverProbe {
  readonly partition: string;
  readonly driverVersion: string;
  readonly gpus: readonly GpuInfo[];
}

export interface ProbeOptions {
  readonly partition: string;
  readonly gpuType: string | undefined;
  readonly account: string | undefined;
  /** How long Slurm may take to start the probe before we give up. */
  readonly waitSeconds: number;
}

const QUERY_FIELDS = ['driver_version', 'name'];

export function probeArgv(o: ProbeOptions): string[] {
  return [
    'srun',
    `--partition=${o.partition}`,
    ...(o.account ? [`--account=${o.account}`] : []),
    `--gres=gpu:${o.gpuType ? `${o.gpuType}:` : ''}1`,
    '--nodes=1',
    '--ntasks=1',
    '--time=2',
    '--job-name=qsub-container-probe',
    `--immediate=${o.waitSeconds}`,
    '--quiet',
    '--',
    'nvidia-smi',
    `--query-gpu=${QUERY_FIELDS.join(',')}`,
    '--format=csv,noheader',
  ];
}

export async function checkPartition(runner: Runner, partition: string): Promise<void> {
  const result = await runner.run({ argv: sinfoPartitionArgv(partition), timeoutMs: 30_000 });
  if (result.code === 127) throw new UnavailableError('sinfo is not on PATH', { hint: 'run qsub-container on a Slurm login node, or load the Slurm module' });
  if (result.code !== 0) throw new UnavailableError(`sinfo failed: ${result.stderr.trim() || `exit ${result.code}`}`, { hint: 'check that slurmctld is up (scontrol ping)' });
  const info = parsePartitionInfo(result.stdout, partition);
  if (!info) {
    const all = await runner.run({ argv: [...SINFO_LIST_ARGV], timeoutMs: 30_000 });
    const names = [...new Set(all.stdout.split('\n').map((l) => l.trim()).filter(Boolean))];
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

export async function probeDriver(runner: Runner, options: ProbeOptions): Promise<DriverProbe> {
  await checkPartition(runner, options.partition);
  const result = await runner.run({ argv: probeArgv(options), timeoutMs: (options.waitSeconds + 60) * 1000 });
  const parsed = parseNvidiaSmi(result.stdout, { queryFields: QUERY_FIELDS });
  if (parsed.kind === 'ok' && parsed.driverVersion) {
    return { partition: options.partition, driverVersion: parsed.driverVersion, gpus: parsed.gpus };
  }
  const bypass = 'or pass --driver VERSION to choose without probing';
  if (result.timedOut || /immediate|unable to allocate resources: .*(?:timeout|not available now)/i.test(result.stderr)) {
    throw new TemporaryError(`no node of ${options.partition} was free to run nvidia-smi within ${options.waitSeconds}s`, {
      hint: `retry later, ${bypass}`,
    });
  }
  if (parsed.kind === 'failure' && parsed.reason !== 'unparseable') {
    throw new DataError(`nvidia-smi on ${options.partition} failed: ${parsed.message}`, {
      hint: `the node's driver is broken or being upgraded: tell the cluster admins, ${bypass}`,
    });
  }
  if (/gres|generic resource|node configuration/i.test(result.stderr)) {
    throw new NoGpuError(`Slurm cannot give a GPU on ${options.partition}: ${lastLine(result.stderr)}`, {
      hint: options.gpuType ? `check --gpu-type ${options.gpuType} against sinfo -o '%P %G'` : "see sinfo -o '%P %G'",
    });
  }
  throw new DataError(`could not read a driver version from nvidia-smi on ${options.partition}: ${lastLine(result.stdout + result.stderr)}`, {
    hint: bypass,
  });
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) || '(no output)';
