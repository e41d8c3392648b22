// The domain's field names as the command line spells them: a refused value (errors.ts: InvalidValueError) or one that
// lacks a setting (UnmetNeedError) is worded with the flag the user typed, one table for every command.
import { ConfigError, InvalidValueError, UnmetNeedError, UsageError, type Field } from '../errors.js';

const FLAG_OF: Readonly<Record<Field, string>> = {
  time: '--time',
  memory: '--mem',
  gpus: '--gpu',
  cpus: '--cpus-per-task',
  partition: '--partition',
  gpuType: '--gpu-type',
  account: '--account',
  constraint: '--constraint',
  bind: '--bind',
  env: '--env',
  array: '--array',
  taskCommands: '--commands',
  release: '--release',
  cuda: '--cuda',
  variant: '--variant',
  python: '--python',
  pull: '--pull',
  policy: '--policy',
  nodes: '--nodes',
  ntasks: '--ntasks',
  ntasksPerNode: '--ntasks-per-node',
  qos: '--qos',
  mailType: '--mail-type',
  mailUser: '--mail-user',
  dependency: '--dependency',
  sbatchArg: '--sbatch-arg',
  apptainerArg: '--apptainer-arg',
  launcher: '--launcher',
  mpi: '--mpi',
  stage: '--stage',
  pythonUserBase: '--python-user-base',
};

/** The error as the command line words it, with its exit code; any other error as it is. */
export function inFlagWords(error: unknown): unknown {
  if (error instanceof InvalidValueError)
    return new UsageError(error.wordedFor(FLAG_OF[error.field]), { hint: error.hint, cause: error });
  if (error instanceof UnmetNeedError)
    return new ConfigError(error.wordedFor(FLAG_OF[error.field]), { hint: error.hint, cause: error });
  return error;
}
