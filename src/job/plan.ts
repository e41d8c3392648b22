// Plan a job: the resolved request becomes the view of the job template (pure; rendering quotes every value).
import { planCacheView } from '../cache/job-view.js';
import { DEFAULT_CACHE } from '../cache/settings.js';
import { DRIVER_VERSION_FILE } from '../gpu/driver-version-file.js';
import { sifName } from '../image/names.js';
import { sbatchValue, type View } from '../templates/render.js';

export interface ResolvedImage {
  /** For people: host/repository:tag. */
  readonly displayRef: string;
  /** docker://host/repository@sha256:... — the job runs exactly this digest. */
  readonly pullRef: string;
  readonly digest: string;
  /** The registry speaks plain HTTP (loopback). */
  readonly noHttps: boolean;
  /** Auth file the job hands to Apptainer for the pull; undefined when the registry needs none. */
  readonly authFile: string | undefined;
  /**
   * Build the SIF from this Apptainer source (docker-archive:, oci:, oci-archive:) instead of pulling pullRef: how
   * `import` puts an image made elsewhere into the cache through the same lock, verification and publish steps.
   */
  readonly buildSource?: string | undefined;
}

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
  /** Absolute SIF cache directory; undefined lets the job use ~/.cache/qsub-container/images on its node. */
  readonly cacheDir: string | undefined;
  readonly image: ResolvedImage;
  /** argv run in the container; empty runs the image's own runscript. */
  readonly command: readonly string[];
  /** Lowest driver the image runs on as chosen: the job checks its own node against it before pulling (undefined: no check). */
  readonly minDriver?: string | undefined;
  /** Where the guard reads the node's kernel module version first (site setting driverVersionFile; default /proc's). */
  readonly driverVersionFile?: string | undefined;
  /** sbatch --array indexes: every task runs the same pinned image (one resolution per submission). */
  readonly array?: string | undefined;
  /** Apptainer binds, SRC[:DST[:ro|rw]] (job/container-options.ts validated them). */
  readonly binds?: readonly string[] | undefined;
  /** Environment for the container, handed to env(1) inside it as argv: byte for byte, never through #SBATCH --export. */
  readonly env?: readonly { readonly name: string; readonly value: string }[] | undefined;
  /** --commands: array task N runs taskCommands[N] with sh -c (the request's array is then 0-(N-1)). */
  readonly taskCommands?: readonly string[] | undefined;
}

export function gresFor(gpus: number, gpuType: string | undefined): string | undefined {
  if (gpus <= 0) return undefined;
  return gpuType ? `gpu:${gpuType}:${gpus}` : `gpu:${gpus}`;
}

/** `cache` is the pull block's part of the view (cache/job-view.ts); the default is the default cache policy. */
export function planJobView(request: JobRequest, cache?: View): View {
  const optional = (value: string | number | undefined) => (value === undefined ? null : sbatchValue(value));
  return {
    jobName: sbatchValue(request.jobName),
    partition: sbatchValue(request.partition),
    account: optional(request.account),
    time: optional(request.time),
    mem: optional(request.mem),
    cpus: optional(request.cpus),
    gres: optional(gresFor(request.gpus, request.gpuType)),
    constraint: optional(request.constraint),
    output: optional(request.output),
    imageRef: request.image.displayRef,
    digest: request.image.digest,
    pullRef: request.image.pullRef,
    buildSource: request.image.buildSource ?? null,
    cacheDir: request.cacheDir ?? null,
    sifName: sifName(request.image.digest),
    authFile: request.image.authFile ?? null,
    noHttps: request.image.noHttps,
    nv: request.gpus > 0,
    hasCommand: request.command.length > 0,
    command: request.command,
    guardMinDriver: request.minDriver ?? null,
    driverVersionFile: request.driverVersionFile ?? DRIVER_VERSION_FILE,
    array: optional(request.array),
    binds: request.binds ?? [],
    hasEnv: (request.env ?? []).length > 0,
    containerEnv: (request.env ?? []).map((e) => `${e.name}=${e.value}`),
    hasTaskCommands: (request.taskCommands ?? []).length > 0,
    taskCommands: request.taskCommands ?? [],
    ...(cache ??
      planCacheView(
        DEFAULT_CACHE,
        {
          digest: request.image.digest,
          source: request.image.displayRef,
          cudaVersion: undefined,
          cudaDriverVersion: undefined,
        },
        false,
      )),
  };
}
