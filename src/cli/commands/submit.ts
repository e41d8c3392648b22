// submit: detect the driver, choose the image, render the job script, hand it to sbatch.
import { planCacheView } from '../../cache/job-view.js';
import { UsageError } from '../../errors.js';
import { parseTaskCommands, validateArray, validateBind, validateEnv } from '../../job/container-options.js';
import { planJobView, type JobRequest } from '../../job/plan.js';
import { choosePullMode, dependencyArgv } from '../../job/pull-mode.js';
import { chooseImage } from '../../ngc/choose-image.js';
import { createFileChoiceHints } from '../../ngc/choice-hints.js';
import { FRAMEWORKS, findFramework } from '../../ngc/frameworks.js';
import { formatReference, parseImageReference, parseRegistry } from '../../registry/reference.js';
import { validateConstraint } from '../../slurm/feature-constraint.js';
import { validateCount, validateMemory, validateSlurmName, validateTime } from '../../slurm/options.js';
import { interpretSbatch, SBATCH_ARGV } from '../../slurm/sbatch.js';
import { pinImage } from '../../image/names.js';
import { renderTemplate } from '../../templates/render.js';
import type { SubmitArgs } from '../args.js';
import type { Context } from '../context.js';
import { selectionRequest, selectOptions } from '../selection.js';
import { findDriver, jobAuthFileFor, registryClientFor, settingsFor, validateDriver } from '../shared.js';

export const JOB_TEMPLATE = 'apptainer.sbatch.mustache';

/** Candidates read from the registry always carry a digest; the offline seed's never reach submit. */
function requireDigest(digest: string | undefined): string {
  if (!digest) throw new Error('image candidate without a digest');
  return digest;
}

/** A framework name, or anything shaped like an image reference (has "/", ":" or "@"). */
function parseTarget(target: string) {
  if (/[/:@]/.test(target)) return { kind: 'image' as const, reference: parseImageReference(target) };
  const framework = findFramework(target);
  if (!framework) {
    throw new UsageError(`unknown framework ${JSON.stringify(target)}`, {
      hint: `known: ${FRAMEWORKS.map((f) => f.name).join(', ')}; or give an image reference such as nvcr.io/nvidia/pytorch:24.10-py3`,
    });
  }
  return { kind: 'framework' as const, framework };
}

/** --commands FILE, read where the tool runs (its lines are written into the script); no `-- COMMAND`, no --array. */
async function readTaskCommands(ctx: Context, args: SubmitArgs): Promise<string[]> {
  const file = args.commands!;
  if (args.command.length > 0)
    throw new UsageError('--commands and a command after -- exclude each other', {
      hint: 'put every command in the file, one per line',
    });
  if (args.array !== undefined)
    throw new UsageError('--commands makes the array itself (one task per line)', { hint: 'drop --array' });
  const text = await ctx.readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --commands ${file}: ${error.code ?? error.message}`, {
      hint: 'give a readable file of shell commands, one per line',
    });
  });
  return parseTaskCommands(text, file);
}

export async function submitCommand(args: SubmitArgs, ctx: Context): Promise<number | void> {
  // Validate everything the user typed before touching Slurm or the registry.
  const target = parseTarget(args.target);
  const gpus = args.gpu === undefined ? 0 : validateCount('--gpu', args.gpu, 0);
  const time = args.time === undefined ? undefined : validateTime(args.time);
  const mem = args.mem === undefined ? undefined : validateMemory(args.mem);
  const cpus = args.cpus === undefined ? undefined : validateCount('--cpus', args.cpus, 1);
  const driverFlag = args.driver === undefined ? undefined : validateDriver(args.driver);
  if (args.wait && (args.array !== undefined || args.commands !== undefined))
    throw new UsageError('--wait follows one job, not an array', {
      hint: 'submit without --wait and watch the tasks with: squeue --me',
    });
  const taskCommands = args.commands === undefined ? undefined : await readTaskCommands(ctx, args);
  const array = taskCommands
    ? `0-${taskCommands.length - 1}`
    : args.array === undefined
      ? undefined
      : validateArray(args.array);
  const binds = (args.bind ?? []).map(validateBind);
  const containerEnv = (args.env ?? []).map(validateEnv);
  if (containerEnv.length > 0 && args.command[0]?.includes('='))
    throw new UsageError('with --env, the command cannot start with a word holding "="', {
      hint: 'env(1) in the container would read it as one more variable; start the command with its program',
    });
  const settings = await settingsFor(ctx, {
    registry: args.registry,
    cacheDir: args.cacheDir,
    account: args.account,
    time,
  });
  const wanted = selectionRequest(args, settings);
  if (args.tag !== undefined && target.kind === 'image')
    throw new UsageError('--tag applies to a framework, not to an image reference', {
      hint: 'put the tag in the reference itself, e.g. nvcr.io/nvidia/pytorch:24.10-py3',
    });
  if (args.force && args.tag === undefined && target.kind !== 'image')
    throw new UsageError('--force needs --tag (or an image reference)', {
      hint: 'the automatic choice never picks an image the driver cannot run',
    });
  const partition = args.partition ?? (gpus > 0 ? settings.gpuPartition : settings.partition);
  if (!partition) {
    throw new UsageError('no partition given', {
      hint:
        gpus > 0
          ? 'pass -p PARTITION or set "gpuPartition" in the config'
          : 'pass -p PARTITION or set "partition" in the config',
    });
  }
  validateSlurmName('--partition', partition);
  if (settings.account) validateSlurmName('--account', settings.account);
  if (args.constraint !== undefined) validateConstraint(args.constraint);
  const pullMode = choosePullMode({
    requested: args.pull ?? settings.submitPull,
    gpus,
    pullPartition: settings.warm.pullPartition,
  });

  const probe =
    gpus > 0 && driverFlag === undefined
      ? await findDriver(ctx, settings, {
          partition,
          gpuType: args.gpuType,
          constraint: args.constraint,
          account: settings.account,
          refresh: args.refresh,
        })
      : undefined;
  const driver = driverFlag ?? probe?.driverVersion;
  const select = selectOptions(wanted, probe?.gpus.map((g) => g.name) ?? []);

  const endpoint =
    target.kind === 'image'
      ? target.reference.registry
      : parseRegistry(settings.registry ?? target.framework.homeRegistry);
  const { client, credentials } = await registryClientFor(ctx, settings, endpoint);
  // Read (and match to its build-time parse) while the registry answers; an error surfaces where it is awaited.
  const templateRead = ctx.readTemplate(JOB_TEMPLATE);
  templateRead.catch(() => undefined);

  const { reference, candidate, verdict, why } = await chooseImage(client, target, endpoint, driver, {
    tag: args.tag,
    force: args.force,
    constraints: wanted.constraints,
    select,
    log: ctx.log,
    hints: createFileChoiceHints(ctx.paths.stateCacheDir), // prefetch last time's tag with the tag list (one round trip less)
  });
  const digest = requireDigest(candidate.digest);
  const { cudaVersion } = candidate;
  if (verdict?.warning) ctx.note(`qsub-container: warning: ${verdict.warning}`);
  // The job re-checks its own node: the floor the choice relied on (or, when forced, the image's own minimum).
  const guardDriver = gpus > 0 ? (verdict?.floor ?? candidate.requirement?.minDriver) : undefined;
  ctx.log.info({ event: 'image.selected', image: formatReference(reference), digest, why });
  // chooseImage has just read this manifest with the credentials the job names (registries authorize per repository):
  // proof before anything is queued that they can pull this digest (else 77), without a HEAD. Over SSH the job's file
  // is the cluster side's, which no request from here can prove.
  const authFile = await jobAuthFileFor(ctx, settings, endpoint.host, credentials);

  const request: JobRequest = {
    jobName:
      args.jobName ??
      `qsc-${target.kind === 'framework' ? target.framework.name : reference.repository.split('/').at(-1)}`,
    partition,
    account: settings.account,
    time: settings.time,
    mem,
    cpus,
    gpus,
    gpuType: args.gpuType,
    constraint: args.constraint,
    output: args.output,
    cacheDir: settings.cacheDir,
    image: { ...pinImage(reference, digest), authFile },
    command: args.command,
    minDriver: guardDriver,
    driverVersionFile: settings.driverVersionFile,
    array,
    binds,
    env: containerEnv,
    taskCommands,
  };
  const cudaDriverVersion = candidate.requirement?.source === 'image-env' ? candidate.requirement.minDriver : undefined;
  const cacheView = planCacheView(
    settings.cache,
    { digest, source: request.image.displayRef, cudaVersion, cudaDriverVersion },
    false,
  );
  const template = await templateRead;
  const script = renderTemplate(template, planJobView(request, cacheView));
  const summary = {
    image: request.image.displayRef,
    digest,
    cudaVersion: cudaVersion ?? null,
    partition,
    constraint: args.constraint ?? null,
    driver: driver ? { version: driver, source: driverFlag ? 'flag' : probe?.cached ? 'cache' : 'probe' } : null,
    policy: wanted.policy,
    mode: verdict?.mode ?? null,
    guardMinDriver: guardDriver ?? null,
    pullMode,
    why,
  };

  if (args.dryRun) {
    if (args.json) ctx.out(`${JSON.stringify({ submitted: false, ...summary, script }, null, 2)}\n`);
    else {
      ctx.note(`qsub-container: dry run, nothing submitted: ${why}`);
      ctx.out(script);
    }
    return;
  }

  // The pinned image is cached, pulled here, or pulled by a CPU job this one waits for (prepare-image.ts).
  const { prepareImage } = await import('../prepare-image.js');
  const prepared = await prepareImage(
    ctx,
    settings,
    pullMode,
    { image: request.image, cacheDir: request.cacheDir, cudaVersion, cudaDriverVersion },
    template,
    { argv: SBATCH_ARGV, script },
  );
  const dependency = prepared.pullJob ? dependencyArgv(prepared.pullJob.id) : [];
  const outcome = interpretSbatch(
    prepared.submitted ??
      (await ctx.runner.run({ argv: [...SBATCH_ARGV, ...dependency], stdin: script, timeoutMs: 120_000 })),
  );
  if ('error' in outcome) throw outcome.error;
  ctx.log.info({
    event: 'job.submitted',
    jobId: outcome.jobId,
    image: request.image.displayRef,
    digest,
    partition,
    pull: prepared.pull,
    pullJob: prepared.pullJob?.id ?? null,
  });
  const pullSummary = {
    pull: prepared.pull,
    pullJobId: prepared.pullJob?.id ?? null,
    pullJobShared: prepared.pullJob?.shared ?? null,
  };
  if (args.json)
    ctx.out(`${JSON.stringify({ submitted: true, jobId: outcome.jobId, ...summary, ...pullSummary }, null, 2)}\n`);
  else {
    ctx.note(`qsub-container: submitted job ${outcome.jobId} on ${partition}: ${why}`);
    ctx.out(`${outcome.jobId}\n`);
  }
  if (args.wait)
    return (await import('../wait-for-job.js')).waitForJob(ctx, outcome.jobId, args.json, prepared.pullJob?.id);
}
