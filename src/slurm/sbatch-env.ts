// sbatch's input environment variables (sbatch(1), "INPUT ENVIRONMENT VARIABLES"): they override the script's #SBATCH
// lines (only sbatch's own command-line options beat them), so a job lands where they say. Selection must use what
// sbatch will really use: honour them where the user gave nothing, refuse a conflict with what the user gave (pure).
import { UsageError } from '../errors.js';
import { parseConstraint, type SlurmConstraint } from './feature-constraint.js';

/** The variables that change where a job runs or what it gets, by the #SBATCH option each stands for. */
export const SBATCH_ENV = {
  partition: 'SBATCH_PARTITION',
  constraint: 'SBATCH_CONSTRAINT',
  gres: 'SBATCH_GRES',
  account: 'SBATCH_ACCOUNT',
  time: 'SBATCH_TIMELIMIT',
} as const;
/** GPUs asked besides --gres: a job would get GPUs (or other ones) that no image was chosen for. */
export const SBATCH_GPU_ENV = ['SBATCH_GPUS', 'SBATCH_GPUS_PER_NODE', 'SBATCH_GPUS_PER_TASK'] as const;
/** Another cluster (sbatch -M): its nodes' drivers were not the ones probed. */
export const SBATCH_CLUSTER_ENV = ['SBATCH_CLUSTERS', 'SLURM_CLUSTERS'] as const;

/** Every name read (the cluster side's snapshot reads these too), and what a job the tool submits itself drops. */
export const SBATCH_ENV_NAMES: readonly string[] = [
  ...Object.values(SBATCH_ENV),
  ...SBATCH_GPU_ENV,
  ...SBATCH_CLUSTER_ENV,
];

/** The SBATCH_* values of the environment sbatch runs in (here, or the cluster side's for --host), set and non-empty. */
export interface SbatchEnv {
  readonly values: Readonly<Record<string, string>>;
  /** For messages: "your environment", or the cluster side's ("ssh:login1's environment"). */
  readonly where: string;
}

export function readSbatchEnv(env: Readonly<Record<string, string | undefined>>, where: string): SbatchEnv {
  const values: Record<string, string> = {};
  for (const name of SBATCH_ENV_NAMES) if (env[name]) values[name] = env[name];
  return { values, where };
}

/** What the user gave for one #SBATCH option: a flag, a config setting, or nothing. */
export interface Given<T> {
  readonly value: T | undefined;
  /** How the user gave it, for messages ("-p", "--constraint"); undefined: not by a flag (config or default). */
  readonly flag: string | undefined;
}

export interface SbatchChoice {
  readonly partition: string | undefined;
  readonly constraint: SlurmConstraint | undefined;
  /** Notes for the user: a variable that decided something the config said otherwise. */
  readonly notes: readonly string[];
}

function conflict(name: string, value: string, where: string, what: string, fix: string): UsageError {
  return new UsageError(
    `${name}=${value} in ${where} overrides the job's ${what}, so sbatch would not run the job the image was chosen for`,
    { hint: fix },
  );
}

/**
 * The partition and constraint the job really gets, given what the user asked and the variables sbatch will read; a
 * conflict the tool cannot honour (a flag against a variable; GPUs or GRES the tool did not choose; another cluster)
 * is refused with a sentence. `gres` is what the tool writes (#SBATCH --gres), undefined for a job without GPUs.
 */
export function reconcileSbatchEnv(
  sbatch: SbatchEnv,
  asked: {
    readonly partition: Given<string>;
    readonly constraint: Given<SlurmConstraint>;
    readonly account: Given<string>;
    readonly time: Given<string>;
    readonly gres: string | undefined;
  },
): SbatchChoice {
  const { values, where } = sbatch;
  const notes: string[] = [];
  for (const name of SBATCH_CLUSTER_ENV) {
    if (values[name])
      throw conflict(
        name,
        values[name],
        where,
        'cluster',
        `unset ${name}: qsub-container submits to this cluster only`,
      );
  }
  for (const name of SBATCH_GPU_ENV) {
    if (values[name])
      throw conflict(
        name,
        values[name],
        where,
        'GPU request',
        `unset ${name}; ask for GPUs with --gpu N (and --gpu-type TYPE), which the image is chosen for`,
      );
  }
  const gres = values[SBATCH_ENV.gres];
  if (gres !== undefined && gres !== asked.gres)
    throw conflict(
      SBATCH_ENV.gres,
      gres,
      where,
      asked.gres ? `--gres=${asked.gres}` : 'GRES (it asks for none)',
      `unset ${SBATCH_ENV.gres}; ask for GPUs with --gpu N (and --gpu-type TYPE)`,
    );
  for (const [key, text] of [
    ['account', 'account'],
    ['time', 'time limit'],
  ] as const) {
    const name = SBATCH_ENV[key];
    const given = asked[key];
    if (values[name] !== undefined && given.flag && given.value !== values[name])
      throw conflict(
        name,
        values[name],
        where,
        `${text} ${given.value} (${given.flag})`,
        `unset ${name}, or pass ${given.flag} ${values[name]}`,
      );
  }

  let partition = asked.partition.value;
  const envPartition = values[SBATCH_ENV.partition];
  if (envPartition !== undefined && envPartition !== partition) {
    if (asked.partition.flag)
      throw conflict(
        SBATCH_ENV.partition,
        envPartition,
        where,
        `partition ${partition} (${asked.partition.flag})`,
        `unset ${SBATCH_ENV.partition}, or pass ${asked.partition.flag} ${envPartition}`,
      );
    if (partition !== undefined)
      notes.push(
        `qsub-container: partition ${envPartition} from ${SBATCH_ENV.partition} (sbatch would use it over ${partition})`,
      );
    partition = envPartition;
  }

  let constraint = asked.constraint.value;
  const envConstraint = values[SBATCH_ENV.constraint];
  if (envConstraint !== undefined && envConstraint !== constraint?.text) {
    if (asked.constraint.flag)
      throw conflict(
        SBATCH_ENV.constraint,
        envConstraint,
        where,
        `constraint ${constraint?.text ?? ''} (${asked.constraint.flag})`,
        `unset ${SBATCH_ENV.constraint}, or pass ${asked.constraint.flag} '${envConstraint}'`,
      );
    try {
      constraint = parseConstraint(envConstraint);
    } catch (error) {
      throw new UsageError(`${SBATCH_ENV.constraint}=${envConstraint} in ${where} is not a constraint sbatch takes`, {
        hint: (error as UsageError).hint ?? `unset ${SBATCH_ENV.constraint}`,
      });
    }
  }
  return { partition, constraint, notes };
}
