// submit: the flags as a submission request (everything the user typed is checked before Slurm or the registry is
// asked), app/submit.ts does it, the result is printed; --wait then follows the job (app/follow-job.ts).
import type { AppDeps } from '../../app/deps.js';
import { selectionRequest } from '../../app/selection.js';
import { submit } from '../../app/submit.js';
import { malformed, UsageError } from '../../errors.js';
import {
  parseTaskCommands,
  validateApptainerArg,
  validateArray,
  validateBind,
  validateEnv,
} from '../../job/container-options.js';
import { planLaunch } from '../../job/launch.js';
import { choosePullMode } from '../../job/pull-mode.js';
import type { ImageTarget } from '../../ngc/choose-image.js';
import { FRAMEWORKS, findFramework } from '../../ngc/frameworks.js';
import { parseImageReference } from '../../registry/reference.js';
import { referenceNotes } from '../../image/reference-notes.js';
import { parseConstraint } from '../../slurm/feature-constraint.js';
import { reconcileSbatchEnv } from '../../slurm/sbatch-env.js';
import {
  gresFor,
  validateCount,
  validateDependency,
  validateMailType,
  validateMailUser,
  validateMemory,
  validateSbatchArg,
  validateSlurmName,
  validateTime,
} from '../../slurm/options.js';
import type { SubmitArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { validateDriver } from './driver-flag.js';

/** A framework name, or anything shaped like an image reference (has "/", ":", "@", or enroot's "#"). */
function parseTarget(target: string): ImageTarget {
  if (/[/:@#]/.test(target)) return { kind: 'image', reference: parseImageReference(target) };
  const framework = findFramework(target);
  if (!framework) {
    throw new UsageError(`unknown framework ${JSON.stringify(target)}`, {
      hint: `known: ${FRAMEWORKS.map((f) => f.name).join(', ')}; or give an image reference such as nvcr.io/nvidia/pytorch:24.10-py3`,
    });
  }
  return { kind: 'framework', framework };
}

/** --commands FILE, read where the tool runs (its lines are written into the script); no `-- COMMAND`, no --array. */
async function readTaskCommands(io: CliIo, args: SubmitArgs): Promise<string[]> {
  const file = args.commands!;
  if (args.command.length > 0)
    throw new UsageError('--commands and a command after -- exclude each other', {
      hint: 'put every command in the file, one per line',
    });
  if (args.array !== undefined)
    throw new UsageError('--commands makes the array itself (one task per line)', { hint: 'drop --array' });
  const text = await io.readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --commands ${file}: ${error.code ?? error.message}`, {
      hint: 'give a readable file of shell commands, one per line',
    });
  });
  return parseTaskCommands(text, file);
}

/** --python-user-base DIR: an absolute directory (the job makes DIR/<digest> in it); it enables the user site. */
function validatePythonUserBase(value: string, userSite: boolean): string {
  if (!value.startsWith('/') || /[\u0000-\u001f\u007f]/.test(value))
    throw malformed('pythonUserBase', value, { hint: 'give an absolute directory, e.g. --python-user-base ~/pyuser' });
  if (userSite)
    throw new UsageError('--python-user-base and --user-site exclude each other', {
      hint: '--python-user-base already lets pip --user packages in, from a directory per image',
    });
  return value;
}

/** The partition a job goes to, for a person: null is the one sbatch picks when the job names none. */
const onPartition = (partition: string | null) => partition ?? "Slurm's default partition";

export async function submitCommand(args: SubmitArgs, deps: AppDeps, io: CliIo): Promise<number | void> {
  // Validate everything the user typed before touching Slurm or the registry.
  const target = parseTarget(args.target);
  if (target.kind === 'image') for (const note of referenceNotes(args.target, target.reference)) io.note(note);
  const gpus = args.gpu === undefined ? 0 : validateCount('gpus', args.gpu, 0);
  const time = args.time === undefined ? undefined : validateTime(args.time);
  const mem = args.mem === undefined ? undefined : validateMemory(args.mem);
  const cpus = args.cpusPerTask === undefined ? undefined : validateCount('cpus', args.cpusPerTask, 1);
  const count = (field: 'nodes' | 'ntasks' | 'ntasksPerNode', value: string | undefined) =>
    value === undefined ? undefined : validateCount(field, value, 1);
  const shape = {
    nodes: count('nodes', args.nodes),
    ntasks: count('ntasks', args.ntasks),
    ntasksPerNode: count('ntasksPerNode', args.ntasksPerNode),
  };
  const slurm = {
    exclusive: args.exclusive,
    qos: args.qos === undefined ? undefined : validateSlurmName('qos', args.qos),
    error: args.error,
    mailType: args.mailType === undefined ? undefined : validateMailType(args.mailType),
    mailUser: args.mailUser === undefined ? undefined : validateMailUser(args.mailUser),
    dependency: args.dependency === undefined ? undefined : validateDependency(args.dependency),
    sbatchArgs: (args.sbatchArg ?? []).map(validateSbatchArg),
  };
  const apptainerArgs = (args.apptainerArg ?? []).map(validateApptainerArg);
  const pythonUserBase =
    args.pythonUserBase === undefined ? undefined : validatePythonUserBase(args.pythonUserBase, args.userSite);
  const driver = args.driver === undefined ? undefined : validateDriver(args.driver);
  if (args.wait && (args.array !== undefined || args.commands !== undefined))
    throw new UsageError('--wait follows one job, not an array', {
      hint: 'submit without --wait and watch the tasks with: squeue --me',
    });
  const taskCommands = args.commands === undefined ? undefined : await readTaskCommands(io, args);
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
  const settings = await deps.cluster.settings({
    registry: args.registry,
    cacheDir: args.cacheDir,
    account: args.account,
    time,
  });
  const selection = selectionRequest(args, settings);
  if (args.tag !== undefined && target.kind === 'image')
    throw new UsageError('--tag applies to a framework, not to an image reference', {
      hint: 'put the tag in the reference itself, e.g. nvcr.io/nvidia/pytorch:24.10-py3',
    });
  if (args.force && args.tag === undefined && target.kind !== 'image')
    throw new UsageError('--force needs --tag (or an image reference)', {
      hint: 'the automatic choice never picks an image the driver cannot run',
    });
  // sbatch lets SBATCH_* of its environment override #SBATCH lines: select for what sbatch will really use.
  const sbatch = reconcileSbatchEnv(settings.sbatchEnv, {
    partition: {
      value: args.partition ?? (gpus > 0 ? settings.gpuPartition : settings.partition),
      flag: args.partition === undefined ? undefined : '-p',
    },
    constraint: {
      value: args.constraint === undefined ? undefined : parseConstraint(args.constraint),
      flag: args.constraint === undefined ? undefined : '--constraint',
    },
    account: { value: settings.account, flag: args.account === undefined ? undefined : '-A' },
    time: { value: settings.time, flag: args.time === undefined ? undefined : '-t' },
    gres: gresFor(gpus, args.gpuType),
  });
  for (const note of sbatch.notes) io.note(note);
  const { partition, constraint } = sbatch;
  // `-p` last on the line, or `-p ""`: the flag was given, its value was not.
  if (args.partition === '')
    throw new UsageError('-p (--partition) was given without a value', {
      hint: "name a partition: -p PARTITION (sinfo -s lists them), or leave -p out to use the config's",
    });
  // A framework without --gpu on a site that configured a GPU partition: almost surely a forgotten --gpu, and the job
  // would run on Slurm's default partition without a GPU. An explicit -p (or --gpu 0) says a CPU job is meant.
  if (!partition && target.kind === 'framework' && args.gpu === undefined && settings.gpuPartition)
    throw new UsageError(
      `${target.framework.name} without --gpu would run without a GPU on Slurm's default partition, not on "gpuPartition" ${settings.gpuPartition}`,
      {
        hint: `add --gpu (qsub-container --gpu ${target.framework.name} -- COMMAND); for a CPU job, name its partition with -p`,
      },
    );
  if (partition) validateSlurmName('partition', partition);
  if (settings.account) validateSlurmName('account', settings.account);
  const launch = planLaunch({
    ...shape,
    launcher: args.launcher,
    mpi: args.mpi ?? settings.mpi,
    stage: args.stage ?? settings.stage,
    taskCommands: taskCommands !== undefined,
  });
  const pullMode = choosePullMode({
    requested: args.pull ?? settings.submitPull,
    gpus,
    pullPartition: settings.warm.pullPartition,
  });

  const result = await submit(deps, {
    settings,
    target,
    tag: args.tag,
    force: args.force,
    selection,
    partition,
    gpus,
    gpuType: args.gpuType,
    constraint,
    driver,
    refresh: args.refresh,
    pullMode,
    job: {
      jobName: args.jobName,
      mem,
      cpus,
      output: args.output,
      command: args.command,
      array,
      binds,
      env: containerEnv,
      taskCommands,
      launch,
      slurm,
      apptainerArgs,
      pythonUserSite: args.userSite,
      pythonUserBase,
    },
    dryRun: args.dryRun,
  });
  const { summary } = result;
  if (!result.submitted) {
    if (args.json) io.out(`${JSON.stringify({ submitted: false, ...summary, script: result.script }, null, 2)}\n`);
    else {
      io.note(
        `qsub-container: dry run, nothing submitted${summary.partition === null ? " (no partition named: sbatch will use Slurm's default, the one sinfo marks with *)" : ''}: ${summary.why}`,
      );
      io.out(result.script);
    }
    return;
  }
  const { prepared, jobId } = result;
  const pullSummary = {
    pull: prepared.pull,
    pullJobId: prepared.pullJob?.id ?? null,
    pullJobShared: prepared.pullJob?.shared ?? null,
  };
  if (args.json) io.out(`${JSON.stringify({ submitted: true, jobId, ...summary, ...pullSummary }, null, 2)}\n`);
  else {
    io.note(`qsub-container: submitted job ${jobId} on ${onPartition(summary.partition)}: ${summary.why}`);
    io.out(`${jobId}\n`);
  }
  if (!args.wait) return;
  const { followSubmitted, printTail } = await import('../../app/follow-job.js');
  const followed = await followSubmitted({ ...deps, hostLabel: deps.cluster.hostLabel }, jobId, prepared.pullJob?.id);
  // The job's own output goes to stdout, unless stdout is for --json.
  if (followed.kind === 'ended' && followed.tail)
    printTail(followed.tail, io.note, args.json ? io.note : (text) => io.out(`${text}\n`));
  return followed.exitCode;
}
