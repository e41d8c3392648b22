// submit: find the driver, choose the image, render the job script, make sure its image is (or will be) cached, and
// hand the script to sbatch, or, for a dry run, only say what would be submitted.
import type { Settings } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { pinImage } from '../image/names.js';
import type { JobRequest } from '../job/plan.js';
import { dependencyArgv, type PullMode } from '../job/pull-mode.js';
import { JOB_TEMPLATE } from '../job/templates.js';
import { chooseImage, type ImageTarget } from '../ngc/choose-image.js';
import { createFileChoiceHints } from '../ngc/choice-hints.js';
import { frameworkOfRepository } from '../ngc/frameworks.js';
import { formatReference, parseRegistry } from '../registry/reference.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import { planOutputDirs } from '../slurm/output-dirs.js';
import { interpretSbatch, SBATCH_ARGV } from '../slurm/sbatch.js';
import type { AppDeps } from './deps.js';
import type { DriverSource } from './find-driver.js';
import type { Prepared } from './prepare-image.js';
import { selectOptions, type SelectionRequest } from './selection.js';

export type SubmitDeps = Pick<
  AppDeps,
  | 'runner'
  | 'registry'
  | 'now'
  | 'log'
  | 'note'
  | 'progress'
  | 'signal'
  | 'stateCacheDir'
  | 'user'
  | 'readTemplate'
  | 'driverMap'
>;

/** A submission, validated: what to run, where, and with which image choice. Settings hold the rest. */
export interface SubmitRequest {
  readonly settings: Settings;
  readonly target: ImageTarget;
  /** A framework's explicit tag (still checked against the driver); undefined: the newest the driver runs. */
  readonly tag: string | undefined;
  /** Submit the explicit tag even if the driver cannot run it (the job's runtime guard still checks its node). */
  readonly force: boolean;
  readonly selection: SelectionRequest;
  /**
   * Undefined: neither -p nor a configured partition. A CPU job then goes to Slurm's default partition (no #SBATCH
   * --partition: sbatch picks it, as it would for any job); a GPU job to the default when it has GPUs (default-partition.ts).
   */
  readonly partition: string | undefined;
  readonly gpus: number;
  readonly gpuType: string | undefined;
  /** Slurm feature constraint: selection uses the node groups that satisfy it; the job gets #SBATCH --constraint. */
  readonly constraint: SlurmConstraint | undefined;
  /** Select for this driver instead of probing the partition. */
  readonly driver: string | undefined;
  /** Probe even when a cached driver answer is fresh. */
  readonly refresh: boolean;
  readonly pullMode: PullMode;
  /** The job's own options; jobName undefined: qsc-<framework or repository>. */
  readonly job: Pick<
    JobRequest,
    | 'mem'
    | 'cpus'
    | 'output'
    | 'command'
    | 'array'
    | 'binds'
    | 'env'
    | 'taskCommands'
    | 'launch'
    | 'slurm'
    | 'apptainerArgs'
    | 'pythonUserSite'
    | 'pythonUserBase'
  > & {
    readonly jobName: string | undefined;
  };
  /** Render and report, submit nothing. */
  readonly dryRun: boolean;
}

/** What was chosen and why: the same fields for a dry run and a submission (--json prints them). */
export interface SubmitSummary {
  readonly image: string;
  readonly digest: string;
  readonly cudaVersion: string | null;
  /** null: Slurm's default partition, which sbatch chooses (a CPU job given none). */
  readonly partition: string | null;
  readonly constraint: string | null;
  /** source: flag (--driver), cache (your probe cache), or the lowest node group's (find-driver.ts: DriverSource). */
  readonly driver: { readonly version: string; readonly source: DriverSource | 'flag' } | null;
  readonly policy: string;
  readonly mode: string | null;
  readonly guardMinDriver: string | null;
  readonly pullMode: PullMode;
  /** How the command starts (job/launch.ts): none (the batch host), per-task or per-node through srun. */
  readonly launcher: string;
  readonly why: string;
}

export type SubmitResult =
  | { readonly submitted: false; readonly summary: SubmitSummary; readonly script: string }
  | { readonly submitted: true; readonly summary: SubmitSummary; readonly jobId: string; readonly prepared: Prepared };

/** Candidates read from the registry always carry a digest; the offline seed's never reach submit. */
function requireDigest(digest: string | undefined): string {
  if (!digest) throw new Error('image candidate without a digest');
  return digest;
}

export async function submit(deps: SubmitDeps, request: SubmitRequest): Promise<SubmitResult> {
  const { settings, target, gpus } = request;
  // The probe's code (sinfo, srun, nvidia-smi, the driver map) loads only when a probe may run: a submission with
  // --driver, or a CPU job, does not read it (test/bench/startup.mjs); one that probes waits on Slurm far longer.
  const partition =
    request.partition ??
    (gpus > 0 ? await (await import('./default-partition.js')).defaultGpuPartition(deps) : undefined);
  // The default partition was chosen from sinfo's list of partitions with GPUs: the probe need not ask sinfo again.
  const gpuPartitionKnown = request.partition === undefined;
  const probe =
    partition !== undefined && gpus > 0 && request.driver === undefined
      ? await (async () => {
          const { DRIVER_FLAG_BYPASS, findDriver } = await import('./find-driver.js');
          return findDriver(deps, settings, partition, { ...request, bypass: DRIVER_FLAG_BYPASS, gpuPartitionKnown });
        })()
      : undefined;
  const driver = request.driver ?? probe?.driverVersion;
  const select = selectOptions(request.selection, probe?.gpus.map((g) => g.name) ?? []);

  const endpoint =
    target.kind === 'image'
      ? target.reference.registry
      : parseRegistry(settings.registry ?? target.framework.homeRegistry);
  const { client, credentials } = await deps.registry.client(endpoint, settings);
  // The template, and the code that plans and renders the script, are read while the registry answers: readTemplate
  // waits a turn of the event loop first (cli/compose.ts), so the requests are out by then. An error surfaces where
  // this is awaited.
  const scriptFor = deps.readTemplate(JOB_TEMPLATE).then(async (template) => {
    const [{ planJobView }, { renderTemplate }] = await Promise.all([
      import('../job/plan.js'),
      import('../templates/render.js'),
    ]);
    return (job: JobRequest) => renderTemplate(template, planJobView(job, settings.cache));
  });
  scriptFor.catch(() => undefined);

  const { reference, candidate, verdict, why } = await chooseImage(client, target, endpoint, driver, {
    tag: request.tag,
    force: request.force,
    constraints: request.selection.constraints,
    select,
    log: deps.log,
    hints: createFileChoiceHints(deps.stateCacheDir), // prefetch last time's tag with the tag list (one round trip less)
  });
  const digest = requireDigest(candidate.digest);
  const { cudaVersion } = candidate;
  if (verdict?.warning) deps.note(`qsub-container: warning: ${verdict.warning}`);
  // The job re-checks its own node: the floor the choice relied on (or, when forced, the image's own minimum).
  const guardDriver = gpus > 0 ? (verdict?.floor ?? candidate.requirement?.minDriver) : undefined;
  deps.log.info({ event: 'image.selected', image: formatReference(reference), digest, why });
  // chooseImage has just read this manifest with the credentials the job names (registries authorize per repository):
  // proof before anything is queued that they can pull this digest (else 77), without a HEAD. Over SSH the job's file
  // is the cluster side's, which no request from here can prove.
  const authFile = await deps.registry.jobAuthFile(settings, endpoint.host, credentials);
  const cudaDriverVersion = candidate.requirement?.source === 'image-env' ? candidate.requirement.minDriver : undefined;

  const job: JobRequest = {
    ...request.job,
    framework: target.kind === 'framework' ? target.framework.name : frameworkOfRepository(reference.repository)?.name,
    jobName:
      request.job.jobName ??
      `qsc-${target.kind === 'framework' ? target.framework.name : reference.repository.split('/').at(-1)}`,
    partition,
    account: settings.account,
    time: settings.time,
    gpus,
    gpuType: request.gpuType,
    constraint: request.constraint?.text,
    imageCacheDir: settings.cacheDir,
    image: { ...pinImage(reference, digest), authFile, cudaVersion, cudaDriverVersion },
    minDriver: guardDriver,
    driverVersionFile: settings.driverVersionFile,
    distributedEnv: Object.entries(settings.distributedEnv).map(([name, value]) => ({ name, value })),
    stageDir: settings.stageDir,
    driverMapDir: settings.driverMap.dir,
  };
  const script = (await scriptFor)(job);
  const summary: SubmitSummary = {
    image: job.image.displayRef,
    digest,
    cudaVersion: cudaVersion ?? null,
    partition: partition ?? null,
    constraint: request.constraint?.text ?? null,
    driver: driver
      ? { version: driver, source: request.driver !== undefined ? 'flag' : (probe?.source ?? 'flag') }
      : null,
    policy: request.selection.policy,
    mode: verdict?.mode ?? null,
    guardMinDriver: guardDriver ?? null,
    pullMode: request.pullMode,
    launcher: job.launch?.launcher ?? 'none',
    why,
  };
  // The -o/-e directories, made on the cluster side before sbatch (sbatch does not make them); a pattern only the
  // running job knows is refused here, for a dry run too.
  const outputDirs = planOutputDirs(
    [
      { flag: '-o', path: job.output },
      { flag: '-e', path: job.slurm?.error },
    ],
    job.jobName,
    job.slurm?.sbatchArgs.find((arg) => arg.name === '--chdir')?.value,
  );
  if (request.dryRun) return { submitted: false, summary, script };
  if (request.pullMode === 'slurm' && job.slurm?.dependency?.includes('?'))
    throw new UsageError('a --dependency of "?" (any of) cannot be joined with the pull job the job waits for', {
      hint: 'give the dependencies joined by "," (all of), or --pull job',
    });

  // The pinned image is cached, pulled here, or pulled by a CPU job this one waits for (prepare-image.ts; loaded only
  // here: its pulls need node:fs/promises, which a dry run never pays for).
  const { prepareImage } = await import('./prepare-image.js');
  const prepared = await prepareImage(deps, settings, {
    image: job.image,
    imageCacheDir: job.imageCacheDir,
    mode: request.pullMode,
    job: { argv: SBATCH_ARGV, script },
    outputDirs,
  });
  const dependency = prepared.pullJob ? dependencyArgv(prepared.pullJob.id, job.slurm?.dependency) : [];
  const outcome = interpretSbatch(
    prepared.submitted ??
      (await deps.runner.run({ argv: [...SBATCH_ARGV, ...dependency], stdin: script, timeoutMs: 120_000 })),
  );
  if ('error' in outcome) throw outcome.error;
  deps.log.info({
    event: 'job.submitted',
    jobId: outcome.jobId,
    image: job.image.displayRef,
    digest,
    partition,
    pull: prepared.pull,
    pullJob: prepared.pullJob?.id ?? null,
  });
  return { submitted: true, summary, jobId: outcome.jobId, prepared };
}
