// sbatch: what to run, and what its answer means (job id, or which refusal).
import { RefusedError, UnavailableError, UnknownPartitionError, type QscError } from '../errors.js';
import type { RunResult } from '../transport/runner.js';

/** The script goes on stdin, so the argv carries no job values at all. */
export const SBATCH_ARGV = ['sbatch', '--parsable'] as const;

/** Job id from `sbatch --parsable` ("123" or "123;cluster"), or the error explaining the refusal. */
export function interpretSbatch(result: RunResult): { jobId: string } | { error: QscError } {
  const jobId = /^(\d+)(?:;\S+)?\s*$/m.exec(result.stdout)?.[1];
  if (result.code === 0 && jobId) return { jobId };
  return { error: sbatchError(result) };
}

function sbatchError(result: RunResult): QscError {
  const message = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${result.code}`;
  if (result.code === 127) {
    return new UnavailableError('sbatch is not on PATH', {
      hint: 'run qsub-container on a Slurm login node, or load the Slurm module',
    });
  }
  if (/invalid partition/i.test(message)) {
    return new UnknownPartitionError(`sbatch refused the job: ${message}`, { hint: 'list partitions with: sinfo -s' });
  }
  if (/unable to contact slurm controller|connection refused|slurm_persist_conn/i.test(message)) {
    return new UnavailableError(`Slurm is unreachable: ${message}`, {
      hint: 'check that slurmctld is up (scontrol ping)',
    });
  }
  const hint = /account/i.test(message)
    ? 'check -A ACCOUNT: sacctmgr show assoc user=$USER lists yours'
    : /time limit/i.test(message)
      ? "the partition's time limit is lower: sinfo -o '%P %l'"
      : /node configuration|gres|generic resource/i.test(message)
        ? 'no node of the partition has that many GPUs, CPUs or that much memory: sinfo -o "%P %G %c %m"'
        : 'sbatch gave its reason after "refused the job:"; fix what it names and submit again';
  return new RefusedError(`sbatch refused the job: ${message}`, { hint });
}
