// Where a submission's image is pulled when the cache lacks it, and the names that let many submissions share one
// pull job (pure). GPU minutes are the dearest: a pull belongs before the job or in a CPU job it depends on.
import { UsageError } from '../errors.js';

export type PullMode = 'local' | 'slurm' | 'job';
export const PULL_MODES: readonly string[] = ['auto', 'local', 'slurm', 'job'];

export interface PullModeInput {
  /** --pull, else the "submitPull" setting; undefined or "auto" lets the job's kind decide. */
  readonly requested: string | undefined;
  readonly gpus: number;
  /** warm.pullPartition: where CPU pull jobs run. */
  readonly pullPartition: string | undefined;
}

/**
 * "auto": a GPU job with a pull partition configured gets a chained pull job; anything else pulls in the job, as
 * before (a CPU job's own minutes are as cheap as a pull job's). An explicit mode applies to every job.
 */
export function choosePullMode(input: PullModeInput): PullMode {
  const { requested, gpus, pullPartition } = input;
  if (requested !== undefined && !PULL_MODES.includes(requested)) {
    throw new UsageError(`unknown --pull ${JSON.stringify(requested)}`, { hint: 'give auto, local, slurm or job' });
  }
  if (requested === 'slurm' && !pullPartition) {
    throw new UsageError('--pull slurm needs a pull partition', {
      hint: 'set "warm": {"pullPartition": "PARTITION"} in the config (a CPU partition allowed to reach the registry)',
    });
  }
  if (requested === 'local' || requested === 'slurm' || requested === 'job') return requested;
  return gpus > 0 && pullPartition ? 'slurm' : 'job';
}

/**
 * Job name of the CPU job that pulls one digest: the whole digest, so squeue --name finds exactly its pull (slurm/pull-job.ts
 * appends the checksum of the cache dir it pulls into).
 */
export const pullJobName = (digest: string) => `qsc-pull-${digest.replace(/^sha256:/, '')}`;

/** sbatch flags of a job that waits for a pull job; an invalid dependency (the pull failed) cancels it at once. */
export const dependencyArgv = (pullJobId: string) => [`--dependency=afterok:${pullJobId}`, '--kill-on-invalid-dep=yes'];

export type CacheState =
  | { readonly kind: 'cached' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'quarantined'; readonly problem: string; readonly movedTo: string }
  /** Broken, and this user may not move it aside. */
  | { readonly kind: 'broken'; readonly problem: string };

/** The cache check's line (cache/check-cached.ts): "cached", "missing", "quarantined <path> <problem>" or "broken <problem>". */
export function parseCacheState(text: string): CacheState | undefined {
  const line = text.trim();
  if (line === 'cached' || line === 'missing') return { kind: line };
  const moved = /^quarantined (\S+) (.+)$/.exec(line);
  if (moved) return { kind: 'quarantined', movedTo: moved[1]!, problem: moved[2]! };
  const broken = /^broken (.+)$/.exec(line);
  return broken ? { kind: 'broken', problem: broken[1]! } : undefined;
}

export type PullJobAnswer =
  { readonly kind: 'cached' } | { readonly kind: 'queued' | 'submitted'; readonly jobId: string };

/** The find-or-submit script's answer (slurm/pull-job.ts): "cached", "queued ID" (shared) or "submitted ID". */
export function parsePullJobAnswer(stdout: string): PullJobAnswer | undefined {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (line === 'cached') return { kind: 'cached' };
  const m = /^(queued|submitted) (\d+)(?:;\S+)?$/.exec(line);
  return m ? { kind: m[1] as 'queued' | 'submitted', jobId: m[2]! } : undefined;
}
