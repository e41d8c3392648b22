// Plan a job: the resolved request becomes the view of the job template (pure; rendering quotes every value).
import { DEFAULT_CACHE, type CacheSettings } from '../cache/settings.js';
import { DRIVER_VERSION_FILE } from '../gpu/driver-version-file.js';
import { gresFor } from '../slurm/options.js';
import { sbatchOption, sbatchValue, type View } from '../templates/render.js';
import type { PullableImage } from '../image/names.js';
import { planCacheView } from './cache-view.js';
import type { JobShape, LaunchPlan } from './launch.js';

export interface JobRequest {
  readonly jobName: string;
  /** The NGC framework of the image (named or of its repository): the runtime guard names its tags command. */
  readonly framework?: string | undefined;
  /** Undefined: no #SBATCH --partition, so sbatch uses Slurm's default partition. */
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly time: string | undefined;
  readonly mem: string | undefined;
  readonly cpus: number | undefined;
  /** GPUs per node; 0 runs without GPUs (and without --nv). */
  readonly gpus: number;
  readonly gpuType: string | undefined;
  /** sbatch --constraint (Slurm node features); the CPU pull job's request leaves it out: it runs on the pull partition. */
  readonly constraint?: string | undefined;
  readonly output: string | undefined;
  /** Absolute SIF cache directory; undefined lets the job use the default directory on its node (image/names.ts). */
  readonly imageCacheDir: string | undefined;
  readonly image: PullableImage;
  /** argv run in the container; empty runs the image's own runscript. */
  readonly command: readonly string[];
  /** Lowest driver the image runs on as chosen: the job checks its own node against it before pulling (undefined: no check). */
  readonly minDriver?: string | undefined;
  /** Where the guard reads the node's kernel module version first (site setting driverVersionFile; default /proc's). */
  readonly driverVersionFile?: string | undefined;
  /** The site's driver map: a GPU job records its node's driver there (job-templates/_record-node-fact.mustache). */
  readonly driverMapDir?: string | undefined;
  /** sbatch --array indexes: every task runs the same pinned image (one resolution per submission). */
  readonly array?: string | undefined;
  /** Apptainer binds, SRC[:DST[:ro|rw]] (job/container-options.ts validated them). */
  readonly binds?: readonly string[] | undefined;
  /** Environment for the container, handed to env(1) inside it as argv: byte for byte, never through #SBATCH --export. */
  readonly env?: readonly { readonly name: string; readonly value: string }[] | undefined;
  /** --commands: array task N runs taskCommands[N] with sh -c (the request's array is then 0-(N-1)). */
  readonly taskCommands?: readonly string[] | undefined;
  /** How the command starts (job/launch.ts): undefined is one container on the batch host. */
  readonly launch?: LaunchPlan | undefined;
  /** sbatch's own options, as validated (slurm/options.ts). */
  readonly slurm?: SlurmExtras | undefined;
  /** --apptainer-arg words, validated (job/container-options.ts), each one argv word of apptainer exec. */
  readonly apptainerArgs?: readonly string[] | undefined;
  /** Site NCCL/UCX settings (config "distributedEnv"), forced into every container of a launched job. */
  readonly distributedEnv?: readonly { readonly name: string; readonly value: string }[] | undefined;
  /** --stage local: the node-local directory the SIF is copied into (site "stageDir"; default /tmp). */
  readonly stageDir?: string | undefined;
  /** PYTHONNOUSERSITE=1 in the container unless the user lets ~/.local in (--user-site) or gives a user base. */
  readonly pythonUserSite?: boolean | undefined;
  /** --python-user-base DIR: PYTHONUSERBASE=DIR/<digest> (absolute, validated), pip --user kept per image. */
  readonly pythonUserBase?: string | undefined;
}

/** The sbatch options a user passes beyond the job's shape. */
export interface SlurmExtras {
  readonly exclusive: boolean;
  readonly qos: string | undefined;
  readonly error: string | undefined;
  readonly mailType: string | undefined;
  readonly mailUser: string | undefined;
  readonly dependency: string | undefined;
  /** --sbatch-arg, one #SBATCH line each. */
  readonly sbatchArgs: readonly { readonly name: string; readonly value: string | undefined }[];
}

/** The #SBATCH lines' part of a view (the _sbatch-header partial): sbatch reads these values, quoted for it. */
export type SbatchHeader = Pick<
  JobRequest,
  'jobName' | 'partition' | 'account' | 'time' | 'mem' | 'output' | 'array'
> & {
  readonly cpus: number | undefined;
  readonly gres: string | undefined;
  readonly constraint: string | undefined;
  readonly shape?: JobShape | undefined;
  readonly slurm?: SlurmExtras | undefined;
};

export function planSbatchHeader(header: SbatchHeader): View {
  const optional = (value: string | number | undefined) => (value === undefined ? null : sbatchValue(value));
  const { shape, slurm } = header;
  return {
    nodes: optional(shape?.nodes),
    ntasks: optional(shape?.ntasks),
    ntasksPerNode: optional(shape?.ntasksPerNode),
    exclusive: slurm?.exclusive ?? false,
    qos: optional(slurm?.qos),
    error: optional(slurm?.error),
    mailType: optional(slurm?.mailType),
    mailUser: optional(slurm?.mailUser),
    dependency: optional(slurm?.dependency),
    sbatchArgs: (slurm?.sbatchArgs ?? []).map((a) => sbatchOption(a.name, a.value)),
    jobName: sbatchValue(header.jobName),
    partition: optional(header.partition),
    account: optional(header.account),
    time: optional(header.time),
    mem: optional(header.mem),
    cpus: optional(header.cpus),
    gres: optional(header.gres),
    constraint: optional(header.constraint),
    output: optional(header.output),
    array: optional(header.array),
  };
}

/** The job's view: its #SBATCH header, the pull block's part (cache-view.ts, with the site's cache policy), the run. */
export function planJobView(request: JobRequest, cache: CacheSettings = DEFAULT_CACHE): View {
  return {
    ...planSbatchHeader({
      ...request,
      gres: gresFor(request.gpus, request.gpuType),
      constraint: request.constraint,
      shape: request.launch?.shape,
    }),
    nv: request.gpus > 0,
    apptainerArgs: request.apptainerArgs ?? [],
    ...planLaunchView(request),
    ...planPythonView(request),
    hasCommand: request.command.length > 0,
    command: request.command,
    guardMinDriver: request.minDriver ?? null,
    guardFramework: request.framework ?? null,
    driverVersionFile: request.driverVersionFile ?? DRIVER_VERSION_FILE,
    driverMapDir: request.driverMapDir ?? null,
    binds: request.binds ?? [],
    hasEnv: (request.env ?? []).length > 0,
    containerEnv: (request.env ?? []).map((e) => `${e.name}=${e.value}`),
    hasTaskCommands: (request.taskCommands ?? []).length > 0,
    taskCommands: request.taskCommands ?? [],
    ...planCacheView(cache, request.image, request.imageCacheDir),
  };
}

/** The srun launch's part of the view (the _launch partial); launch false keeps the one exec on the batch host. */
function planLaunchView(request: JobRequest): View {
  const launcher = request.launch?.launcher ?? 'none';
  return {
    launch: launcher !== 'none',
    perTask: launcher === 'per-task',
    perNode: launcher === 'per-node',
    mpi: request.launch?.mpi ?? null,
    // Slurm 22.05's srun ignores SLURM_CPUS_PER_TASK: each step says its CPUs per task itself.
    stepCpus: request.cpus ?? 1,
    // torchrun's --nproc-per-node: one worker per GPU of the node (one on a CPU job).
    nprocPerNode: Math.max(1, request.gpus),
    distributedEnv: (request.distributedEnv ?? []).map((e) => `${e.name}=${e.value}`),
    stageLocal: request.launch?.stage === 'local',
    stageDir: request.stageDir ?? '/tmp',
  };
}

/** PYTHONNOUSERSITE / PYTHONUSERBASE: the image's own packages win over the user's ~/.local unless asked otherwise. */
function planPythonView(request: JobRequest): View {
  const base = request.pythonUserBase;
  return {
    pythonNoUserSite: base === undefined && request.pythonUserSite !== true,
    // One directory per image digest: packages built against one image's Python and CUDA never load in another.
    pythonUserBase:
      base === undefined
        ? null
        : `${base.replace(/\/+$/, '')}/${request.image.digest.replace(/^sha256:/, '').slice(0, 16)}`,
  };
}
