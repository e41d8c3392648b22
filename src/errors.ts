// Error classes: each carries the exit code the CLI ends with and a hint that says what to do next.

/** Exit codes, sysexits-style. Documented in README.md ("Exit codes"); keep the two in step. */
export const ExitCode = {
  ok: 0,
  /** The operation did not happen for a domain reason: no compatible tag, sbatch refused the job. */
  refused: 1,
  /** Usage: unknown option or command, malformed value, unknown framework. */
  usage: 2,
  /** Bad data: nvidia-smi printed a failure or nothing parseable; an image lacks its CUDA env. */
  data: 65,
  /** The partition has no GPU the job could use. */
  noGpu: 66,
  /** An input file named on the command line is missing or unreadable (sysexits EX_NOINPUT; 66 as for no GPU). */
  noInput: 66,
  /** The partition does not exist on the cluster. */
  unknownPartition: 68,
  /** A file or directory the run must create cannot be: a read-only filesystem (sysexits EX_CANTCREAT). */
  cantCreate: 73,
  /** A host or service is unreachable: the registry, Slurm. */
  unavailable: 69,
  /** A bug in qsub-container. */
  internal: 70,
  /** Temporary: a retry may work (probe timed out waiting for a node). */
  temporary: 75,
  /** Authentication or authorization: registry credentials missing, wrong or refused; credential file too open. */
  auth: 77,
  /** Configuration: a config file is invalid. */
  config: 78,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string | undefined;
  cause?: unknown;
}

/** Base of every error the CLI expects; anything else is a bug (exit 70). */
export class QscError extends Error {
  readonly hint: string | undefined;
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    details: ErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

const define = (code: ExitCodeValue) =>
  class extends QscError {
    constructor(message: string, details: ErrorDetails = {}) {
      super(message, code, details);
    }
  };

export class RefusedError extends define(ExitCode.refused) {}
export class UsageError extends define(ExitCode.usage) {}
export class DataError extends define(ExitCode.data) {}
export class NoGpuError extends define(ExitCode.noGpu) {}
/**
 * The partition has no GPU node at all. Its hint is the same for every command; submit adds "drop --gpu" (a flag
 * detect, tags and the warmer do not have).
 */
export class PartitionWithoutGpuError extends NoGpuError {}
export class InputFileError extends define(ExitCode.noInput) {}
export class UnknownPartitionError extends define(ExitCode.unknownPartition) {}
export class UnavailableError extends define(ExitCode.unavailable) {}
export class TemporaryError extends define(ExitCode.temporary) {}
export class AuthError extends define(ExitCode.auth) {}
/** The registry wants credentials and none were found: unlike refused ones, a reason to answer from offline data. */
export class MissingCredentialsError extends AuthError {}
export class ConfigError extends define(ExitCode.config) {}
export class CantCreateError extends define(ExitCode.cantCreate) {}
/** Permission denied on a file or directory (sysexits EX_NOPERM, the code credentials refused share). */
export class PermissionError extends define(ExitCode.auth) {}
/** Ctrl-C while following a job (--wait): the job itself keeps running. */
export class InterruptedError extends define(ExitCode.interrupted) {}
/** A signal or a closed pipe stopped the run before a command could start (transport/stoppable-runner.ts). */
export class StoppedError extends InterruptedError {}

/** The values a caller gives the domain, by the domain's own names: the CLI words them as flags, the warmer as config keys. */
export type Field =
  | 'time'
  | 'memory'
  | 'gpus'
  | 'cpus'
  | 'partition'
  | 'gpuType'
  | 'account'
  | 'constraint'
  | 'bind'
  | 'env'
  | 'array'
  | 'taskCommands'
  | 'release'
  | 'cuda'
  | 'variant'
  | 'python'
  | 'pull'
  | 'policy'
  | 'nodes'
  | 'ntasks'
  | 'ntasksPerNode'
  | 'qos'
  | 'mailType'
  | 'mailUser'
  | 'dependency'
  | 'sbatchArg'
  | 'apptainerArg'
  | 'launcher'
  | 'mpi'
  | 'stage'
  | 'pythonUserBase';

/**
 * A value the domain refuses: which field, the value, and why, in a sentence made for whoever names the field (a
 * flag, a config key); unworded, the field's own name stands in. Exit 2, like any bad input.
 */
export class InvalidValueError extends UsageError {
  constructor(
    readonly field: Field,
    readonly value: string,
    private readonly sentence: (name: string) => string,
    details: ErrorDetails = {},
  ) {
    super(sentence(field), details);
  }

  /** The message with `name` for the field: `malformed --time "4h"`, `"warm.targets" partition "x y"`. */
  wordedFor(name: string): string {
    return this.sentence(name);
  }
}

/**
 * A value the domain accepts but cannot act on without a setting that is missing (pull "local" and no cache directory):
 * exit 78, as any missing configuration; worded, like InvalidValueError, with the field's name as its caller spells it.
 */
export class UnmetNeedError extends ConfigError {
  constructor(
    readonly field: Field,
    readonly value: string,
    readonly need: string,
    details: ErrorDetails = {},
  ) {
    super(`${field} ${value} needs ${need}`, details);
  }

  /** The message with `name` for the field: `--pull local needs a shared cache directory`. */
  wordedFor(name: string): string {
    return `${name} ${this.value} needs ${this.need}`;
  }
}

/** "malformed NAME "value"", or with a reason after a colon. */
export const malformed = (field: Field, value: string, details: ErrorDetails & { why?: string; shown?: string } = {}) =>
  new InvalidValueError(
    field,
    value,
    (name) => `malformed ${name} ${JSON.stringify(details.shown ?? value)}${details.why ? `: ${details.why}` : ''}`,
    details,
  );

/** A file-system error code → its words and the error the person gets (66 no input, 77 no permission, 73 can't create). */
const FS_REASONS: Record<
  string,
  { readonly reason: string; readonly type: new (m: string, d: ErrorDetails) => QscError }
> = {
  ENOENT: { reason: 'no such file or directory', type: InputFileError },
  ENOTDIR: { reason: 'a part of the path is not a directory', type: InputFileError },
  EISDIR: { reason: 'it is a directory', type: InputFileError },
  EACCES: { reason: 'permission denied', type: PermissionError },
  EPERM: { reason: 'operation not permitted', type: PermissionError },
  EROFS: { reason: 'read-only file system', type: CantCreateError },
};

const FS_VERBS: Record<string, string> = {
  scandir: 'read the directory',
  opendir: 'read the directory',
  mkdir: 'create the directory',
  unlink: 'remove',
  rmdir: 'remove',
  stat: 'reach',
  lstat: 'reach',
  access: 'reach',
  copyfile: 'copy',
};

/**
 * A file-system error that reached the top unhandled, on a path a flag, the config or the environment named (a cache
 * directory, XDG_CACHE_HOME, an input file): the person's to fix, not a bug. Its sentence names the path and a fix.
 */
export function fromFileSystemError(error: unknown): QscError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path, syscall } = error as NodeJS.ErrnoException;
  const known = code ? FS_REASONS[code] : undefined;
  if (!known || typeof path !== 'string') return undefined;
  const target = (error as { dest?: unknown }).dest;
  const what = typeof target === 'string' ? `${path} to ${target}` : path;
  const verb = syscall ? (FS_VERBS[syscall] ?? syscall) : 'use';
  return new known.type(`cannot ${verb} ${what}: ${known.reason}`, {
    hint:
      'check the path and its permissions: it comes from a flag (--cache-dir, a file argument), your config or ' +
      'site config (cacheDir), or the environment (XDG_CACHE_HOME); choose one you can read and write',
    cause: error,
  });
}

export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof QscError) return error.exitCode;
  return fromFileSystemError(error)?.exitCode ?? ExitCode.internal;
}

/** One line for stderr: the message, then the hint. Newlines inside are flattened so it stays one line. */
export function formatErrorLine(error: unknown): string {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  const fromFs = error instanceof QscError ? undefined : fromFileSystemError(error);
  if (fromFs) return formatErrorLine(fromFs);
  if (error instanceof QscError) {
    const hint = error.hint ? ` Hint: ${oneLine(error.hint)}` : '';
    return `qsub-container: ${oneLine(error.message)}.${hint}`.replace(/\.\./g, '.');
  }
  const message = error instanceof Error ? error.message : String(error);
  return `qsub-container: internal error: ${oneLine(message)}. Hint: this is a bug; rerun with QSUB_CONTAINER_DEBUG=1 for the stack and report it.`;
}
