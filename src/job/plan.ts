// Plan a job: the resolved request becomes the view of the job template (pure; rendering quotes every value).
import { DEFAULT_CACHE, type CacheSettings } from '../cache/settings.js';
import { DRIVER_VERSION_FILE } from '../gpu/driver-version-file.js';
import { sbatchValue, type View } from '../templates/render.js';
import type { PullableImage } from '../image/names.js';
import { planCacheView } from './cache-view.js';

export interface JobRequest {
  readonly jobName: string;
  readonly partition: string;
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
}

function gresFor(gpus: number, gpuType: string | undefined): string | undefined {
  if (gpus <= 0) return undefined;
  return gpuType ? `gpu:${gpuType}:${gpus}` : `gpu:${gpus}`;
}

/** The #SBATCH lines' part of a view (the _sbatch-header partial): sbatch reads these values, quoted for it. */
export type SbatchHeader = Pick<
  JobRequest,
  'jobName' | 'partition' | 'account' | 'time' | 'mem' | 'output' | 'array'
> & {
  readonly cpus: number | undefined;
  readonly gres: string | undefined;
  readonly constraint: string | undefined;
};

export function planSbatchHeader(header: SbatchHeader): View {
  const optional = (value: string | number | undefined) => (value === undefined ? null : sbatchValue(value));
  return {
    jobName: sbatchValue(header.jobName),
    partition: sbatchValue(header.partition),
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
    ...planSbatchHeader({ ...request, gres: gresFor(request.gpus, request.gpuType), constraint: request.constraint }),
    nv: request.gpus > 0,
    hasCommand: request.command.length > 0,
    command: request.command,
    guardMinDriver: request.minDriver ?? null,
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
