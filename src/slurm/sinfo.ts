// sinfo: does a partition exist, which GPUs (GRES) do its node groups have, and which partition is Slurm's default.

export interface PartitionInfo {
  readonly name: string;
  /** GRES strings of the partition's node groups, e.g. ["gpu:h100:2"]; empty when none has GRES. */
  readonly gres: readonly string[];
}

export const sinfoPartitionArgv = (partition: string) => [
  'sinfo',
  '--noheader',
  '--partition',
  partition,
  '--format',
  '%R|%G',
];
export const SINFO_LIST_ARGV = ['sinfo', '--noheader', '--format', '%R'] as const;

/**
 * Every partition with its GRES in one call: `%P` marks Slurm's default partition with "*" (what `scontrol show
 * partition` calls Default=YES), so the default and the partitions that have GPUs come from the same answer.
 */
export const SINFO_PARTITIONS_ARGV = ['sinfo', '--noheader', '--format', '%P|%G'] as const;

export interface ClusterPartitions {
  /** The partition sbatch uses when none is named; undefined when the cluster has none (sbatch then refuses). */
  readonly defaultPartition: string | undefined;
  /** In sinfo's order, one entry per partition (its node groups' GRES merged). */
  readonly partitions: readonly PartitionInfo[];
}

/** "gpu:h100:2(S:0-1),gpu:v100:2" → ["gpu:h100:2", "gpu:v100:2"]; "(null)" → []. */
const gresList = (field: string | undefined) =>
  (field ?? '')
    .split(',')
    .map((g) => g.replace(/\(.*\)$/, '').trim())
    .filter((g) => g !== '' && g !== '(null)');

export function parsePartitionInfo(stdout: string, partition: string): PartitionInfo | undefined {
  const rows = stdout
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter(([name]) => name === partition);
  if (rows.length === 0) return undefined;
  return { name: partition, gres: rows.flatMap(([, g]) => gresList(g)) };
}

/** SINFO_PARTITIONS_ARGV's answer: one row per partition and node group, the default's name ending in "*". */
export function parsePartitions(stdout: string): ClusterPartitions {
  const byName = new Map<string, string[]>();
  let defaultPartition: string | undefined;
  for (const line of stdout.split('\n')) {
    const [field = '', gres] = line.trim().split('|');
    if (field === '') continue;
    const name = field.replace(/\*$/, '');
    if (name !== field) defaultPartition = name;
    byName.set(name, [...(byName.get(name) ?? []), ...gresList(gres)]);
  }
  return { defaultPartition, partitions: [...byName].map(([name, gres]) => ({ name, gres: [...new Set(gres)] })) };
}

/** GPU GRES of a partition: "gpu", "gpu:2", "gpu:h100:2" → types (undefined type = untyped). */
export function gpuTypes(info: PartitionInfo): Array<string | undefined> {
  return info.gres
    .filter((g) => g === 'gpu' || g.startsWith('gpu:'))
    .map((g) => {
      const parts = g.split(':');
      return parts.length >= 3 ? parts[1] : undefined;
    });
}
