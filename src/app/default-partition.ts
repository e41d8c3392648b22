// A GPU job with neither -p nor "gpuPartition": Slurm's default partition when it has GPUs, else a refusal naming the
// partitions that do. One sinfo answers both (the default is marked, every partition's GRES is listed), so over --host
// this costs one round trip; the probe that follows does not ask again whether the partition exists and has GPUs
// (submit passes gpuPartitionKnown). A CPU job needs none of this: sbatch puts it on the default partition itself.
import { NoGpuError, UsageError } from '../errors.js';
import { runSinfo } from '../gpu/probe.js';
import { gpuTypes, parsePartitions, SINFO_PARTITIONS_ARGV, type ClusterPartitions } from '../slurm/sinfo.js';
import type { AppDeps } from './deps.js';

export type DefaultPartitionDeps = Pick<AppDeps, 'runner' | 'note'>;

/** Where the setting goes: the user config file (over --host, the cluster side's: settings are resolved there). */
const SET_GPU_PARTITION = (example: string) =>
  `or set it once: {"gpuPartition": "${example}"} in ~/.config/qsub-container/config.json (the cluster's, with --host)`;

/** The partition a GPU job without -p and without "gpuPartition" goes to (pure: sinfo's answer → a name or an error). */
export function chooseDefaultGpuPartition({ defaultPartition, partitions }: ClusterPartitions): string {
  const withGpus = partitions.filter((p) => gpuTypes(p).length > 0).map((p) => p.name);
  if (defaultPartition !== undefined && withGpus.includes(defaultPartition)) return defaultPartition;
  if (withGpus.length === 0)
    throw new NoGpuError('no partition of this cluster has GPUs (no node has a gpu GRES)', {
      hint: "sinfo -o '%P %G' lists the partitions with their GRES; drop --gpu for a CPU job",
    });
  const none =
    defaultPartition === undefined
      ? 'and Slurm has no default partition'
      : `and Slurm's default partition ${defaultPartition} has no GPUs`;
  throw new UsageError(`--gpu without -p: no "gpuPartition" is configured, ${none}`, {
    hint: `partitions with GPUs: ${withGpus.join(', ')}; pass -p ${withGpus[0]}, ${SET_GPU_PARTITION(withGpus[0]!)}`,
  });
}

export async function defaultGpuPartition(deps: DefaultPartitionDeps): Promise<string> {
  const partition = chooseDefaultGpuPartition(parsePartitions(await runSinfo(deps.runner, SINFO_PARTITIONS_ARGV)));
  deps.note(
    `qsub-container: no -p and no "gpuPartition": using Slurm's default partition ${partition}, which has GPUs`,
  );
  return partition;
}
