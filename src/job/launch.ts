// How a job's command starts (pure): on the batch host alone, or through srun as one container per task or per node,
// with the distributed environment frameworks read. Decided from the job's shape before anything is queued.
import { InvalidValueError, UsageError } from '../errors.js';

/** per-task: one container per Slurm task (env://, Lightning, JAX, MPI); per-node: one per node (torchrun forks its
 * own workers); none: one container on the batch host, as a one-node job always ran. */
export type Launcher = 'per-task' | 'per-node' | 'none';
export const LAUNCHERS: readonly Launcher[] = ['per-task', 'per-node', 'none'];

/** srun --mpi: the PMI flavour the container's MPI was built for; undefined leaves Slurm's MpiDefault. */
export type MpiType = 'pmix' | 'pmi2' | 'none';
export const MPI_TYPES: readonly MpiType[] = ['pmix', 'pmi2', 'none'];

/** shared: every node reads the cached SIF in place; local: sbcast copies it once to each node's local disk. */
export type Stage = 'shared' | 'local';
export const STAGES: readonly Stage[] = ['shared', 'local'];

/** The job's shape as sbatch reads it; counts are whole numbers (validated by the caller). */
export interface JobShape {
  readonly nodes: number | undefined;
  readonly ntasks: number | undefined;
  readonly ntasksPerNode: number | undefined;
}

export interface LaunchRequest extends JobShape {
  readonly launcher: string | undefined;
  readonly mpi: string | undefined;
  readonly stage: string | undefined;
  /** --commands: array tasks each run one line on the batch host. */
  readonly taskCommands: boolean;
}

export interface LaunchPlan {
  readonly launcher: Launcher;
  readonly mpi: MpiType | undefined;
  readonly stage: Stage;
  /** What the #SBATCH lines say: the user's counts, plus one task per node where srun needs a count to read. */
  readonly shape: JobShape;
}

function oneOf<T extends string>(field: 'launcher' | 'mpi' | 'stage', value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new InvalidValueError(field, value, (name) => `unknown ${name} ${JSON.stringify(value)}`, {
      hint: `give ${allowed.join(', ')}`,
    });
  return value as T;
}

/**
 * The launcher: as asked, else per-task when the job has more than one task or node (one exec on the batch host would
 * leave every other node idle). per-node is one task per node, so it refuses a shape of more; srun steps need the
 * task count in the environment (SLURM_NTASKS), so a launched job without one gets --ntasks-per-node=1.
 */
export function planLaunch(request: LaunchRequest): LaunchPlan {
  const { nodes, ntasks, ntasksPerNode } = request;
  const many = (nodes ?? 1) > 1 || (ntasks ?? 1) > 1 || (ntasksPerNode ?? 1) > 1;
  const launcher =
    request.launcher === undefined ? (many ? 'per-task' : 'none') : oneOf('launcher', request.launcher, LAUNCHERS);
  const mpi = request.mpi === undefined ? undefined : oneOf('mpi', request.mpi, MPI_TYPES);
  const stage = request.stage === undefined ? 'shared' : oneOf('stage', request.stage, STAGES);
  if (nodes !== undefined && ntasks !== undefined && ntasks < nodes)
    throw new UsageError(`--ntasks ${ntasks} is fewer than --nodes ${nodes}`, {
      hint: 'every node runs at least one task: raise -n or lower -N',
    });
  if (nodes !== undefined && ntasks !== undefined && ntasksPerNode !== undefined && ntasks > nodes * ntasksPerNode)
    throw new UsageError(`--ntasks ${ntasks} does not fit ${nodes} nodes × --ntasks-per-node ${ntasksPerNode}`, {
      hint: 'give two of -N, -n and --ntasks-per-node',
    });
  if (launcher === 'none') {
    if (mpi !== undefined)
      throw new UsageError('--mpi needs a launcher', { hint: '--mpi applies to srun steps: use --launcher per-task' });
    if (stage === 'local')
      throw new UsageError('--stage local needs a launcher', {
        hint: 'one container on the batch host reads the cache once anyway: drop --stage or use --launcher per-task',
      });
    return { launcher, mpi, stage, shape: { nodes, ntasks, ntasksPerNode } };
  }
  if (request.taskCommands)
    throw new UsageError(
      `--commands runs each line on its array task's batch host, not through --launcher ${launcher}`,
      {
        hint: 'drop --launcher, or give one command after -- for every task',
      },
    );
  if (launcher === 'per-node') {
    if ((ntasksPerNode ?? 1) > 1 || (ntasks !== undefined && ntasks !== (nodes ?? 1)))
      throw new UsageError('--launcher per-node runs one task per node', {
        hint: 'give -N only (torchrun starts one worker per GPU itself), or use --launcher per-task',
      });
    return { launcher, mpi, stage, shape: { nodes, ntasks: undefined, ntasksPerNode: 1 } };
  }
  return {
    launcher,
    mpi,
    stage,
    shape: { nodes, ntasks, ntasksPerNode: ntasks === undefined && ntasksPerNode === undefined ? 1 : ntasksPerNode },
  };
}
