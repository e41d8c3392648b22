// sinfo: does a partition exist, and which GPUs (GRES) do its node groups have.

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

export function parsePartitionInfo(stdout: string, partition: string): PartitionInfo | undefined {
  const rows = stdout
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter(([name]) => name === partition);
  if (rows.length === 0) return undefined;
  const gres = rows
    .flatMap(([, g]) => (g ?? '').split(','))
    .map((g) => g.replace(/\(.*\)$/, '').trim())
    .filter((g) => g !== '' && g !== '(null)');
  return { name: partition, gres };
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
