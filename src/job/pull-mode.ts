// Where a submission's image is pulled when the cache lacks it (pure). GPU minutes are the dearest: a pull belongs
// before the job or in a CPU job it depends on.
import { InvalidValueError } from '../errors.js';

export type PullMode = 'local' | 'slurm' | 'job';
export const PULL_MODES: readonly string[] = ['auto', 'local', 'slurm', 'job'];

export interface PullModeInput {
  /** As asked (submit --pull, else the "submitPull" setting); undefined or "auto" lets the job's kind decide. */
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
    throw new InvalidValueError('pull', requested, (name) => `unknown ${name} ${JSON.stringify(requested)}`, {
      hint: 'give auto, local, slurm or job',
    });
  }
  if (requested === 'slurm' && !pullPartition) {
    throw new InvalidValueError('pull', requested, (name) => `${name} slurm needs a pull partition`, {
      hint: 'set "warm": {"pullPartition": "PARTITION"} in the config (a CPU partition allowed to reach the registry)',
    });
  }
  if (requested === 'local' || requested === 'slurm' || requested === 'job') return requested;
  return gpus > 0 && pullPartition ? 'slurm' : 'job';
}

/**
 * sbatch flags of a job that waits for a pull job; an invalid dependency (the pull failed) cancels it at once. The
 * command line replaces the script's #SBATCH --dependency, so the user's own (validated, all-of: ",") joins the pull's.
 */
export const dependencyArgv = (pullJobId: string, userDependency?: string) => [
  `--dependency=afterok:${pullJobId}${userDependency ? `,${userDependency}` : ''}`,
  '--kill-on-invalid-dep=yes',
];
