// Validate job options the way sbatch reads them, so a typo fails here, not after queueing.
import { malformed, type Field } from '../errors.js';

// sbatch --time: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS", or UNLIMITED/INFINITE.
const TIME =
  /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|unlimited|infinite)$/i;
// sbatch --mem: a number with an optional K/M/G/T unit (default megabytes).
const MEMORY = /^\d+(?:[KMGT]B?)?$/i;
// Slurm names (partition, account, GRES type): letters, digits and a few separators.
const SLURM_NAME = /^[A-Za-z0-9_.+-]+$/;

/** The job's #SBATCH --gres: its GPUs, of a type when one was asked; undefined for a job without GPUs. */
export function gresFor(gpus: number, gpuType: string | undefined): string | undefined {
  if (gpus <= 0) return undefined;
  return gpuType ? `gpu:${gpuType}:${gpus}` : `gpu:${gpus}`;
}

export function validateTime(value: string): string {
  if (!TIME.test(value)) {
    throw malformed('time', value, {
      hint: 'use minutes, HH:MM:SS or D-HH:MM:SS, e.g. -t 30 or -t 04:00:00 or -t 1-12:00:00',
    });
  }
  return value;
}

/** An sbatch --time value (validateTime's forms) in milliseconds; undefined for UNLIMITED/INFINITE or no match. */
export function timeLimitMs(value: string): number | undefined {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(value);
  if (!m) return undefined;
  const [days, first, second, third] = [m[1], m[2]!, m[3], m[4]].map((part) =>
    part === undefined ? undefined : Number(part),
  );
  // With days, the first part is hours ("D-HH[:MM[:SS]]"); without, minutes ("MM", "MM:SS") unless there are three.
  const [h, min, s] =
    days !== undefined
      ? [first!, second ?? 0, third ?? 0]
      : third !== undefined
        ? [first!, second!, third]
        : [0, first!, second ?? 0];
  return ((((days ?? 0) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

export function validateMemory(value: string): string {
  if (!MEMORY.test(value)) {
    throw malformed('memory', value, {
      hint: 'use a number with an optional unit K, M, G or T, e.g. --mem 16G',
    });
  }
  return value.toUpperCase().replace(/B$/, '');
}

export function validateCount(field: Field, value: unknown, min: number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min) throw malformed(field, String(value), { hint: `give a whole number ≥ ${min}` });
  return n;
}

export function validateSlurmName(field: Field, value: string): string {
  if (!SLURM_NAME.test(value))
    throw malformed(field, value, { hint: 'Slurm names use letters, digits, "_", ".", "+" and "-"' });
  return value;
}

// sbatch --dependency: "type:jobid[+time][:jobid...]" items joined by "," (all) or "?" (any), or "singleton".
const DEPENDENCY_ITEM = String.raw`(?:(?:after|afterany|afterburstbuffer|aftercorr|afternotok|afterok)(?::\d+(?:_\d+)?(?:\+\d+)?)+|singleton)`;
const DEPENDENCY = new RegExp(
  String.raw`^${DEPENDENCY_ITEM}(?:,${DEPENDENCY_ITEM})*$|^${DEPENDENCY_ITEM}(?:\?${DEPENDENCY_ITEM})*$`,
);

export function validateDependency(value: string): string {
  if (!DEPENDENCY.test(value))
    throw malformed('dependency', value, {
      hint: 'give sbatch\'s form, e.g. -d afterok:123, -d afterany:123:124 or -d singleton ("," all of, "?" any of, not both)',
    });
  return value;
}

/** sbatch --mail-type's events. */
export const MAIL_TYPES: readonly string[] = [
  'NONE',
  'BEGIN',
  'END',
  'FAIL',
  'REQUEUE',
  'ALL',
  'INVALID_DEPEND',
  'STAGE_OUT',
  'TIME_LIMIT',
  'TIME_LIMIT_90',
  'TIME_LIMIT_80',
  'TIME_LIMIT_50',
  'ARRAY_TASKS',
];

export function validateMailType(value: string): string {
  const events = value.split(',');
  if (!events.every((e) => MAIL_TYPES.includes(e.toUpperCase())))
    throw malformed('mailType', value, { hint: `give events separated by ",": ${MAIL_TYPES.join(', ')}` });
  return events.map((e) => e.toUpperCase()).join(',');
}

/** An address sbatch mails to: one line, no spaces (a user name or user@host). */
export function validateMailUser(value: string): string {
  if (!/^[^\s"\\]+$/.test(value))
    throw malformed('mailUser', value, {
      hint: 'give one address without spaces or quotes, e.g. --mail-user me@example.edu',
    });
  return value;
}

/**
 * sbatch options the tool writes itself (each has a flag of its own), or that would undo what the job relies on: the
 * environment it passes (--export), the script it submits (--wrap), its output contract (--parsable), its comment.
 */
const SBATCH_CONTROLLED: Readonly<Record<string, string>> = {
  '--partition': 'use -p/--partition',
  '--job-name': 'use -J/--job-name',
  '--account': 'use -A/--account',
  '--time': 'use -t/--time',
  '--mem': 'use --mem',
  '--cpus-per-task': 'use -c/--cpus-per-task',
  '--gres': 'use --gpu and --gpu-type',
  '--gpus': "use --gpus-per-node (every task sees its node's GPUs)",
  '--gpus-per-node': 'use --gpus-per-node',
  '--gpus-per-task':
    "per-task GPUs hide the node's other GPUs from each task (NCCL loses NVLink, JAX breaks): use --gpus-per-node",
  '--constraint': 'use -C/--constraint',
  '--output': 'use -o/--output',
  '--error': 'use -e/--error',
  '--array': 'use --array or --commands',
  '--nodes': 'use -N/--nodes',
  '--ntasks': 'use -n/--ntasks',
  '--ntasks-per-node': 'use --ntasks-per-node',
  '--exclusive': 'use --exclusive',
  '--qos': 'use --qos',
  '--mail-type': 'use --mail-type',
  '--mail-user': 'use --mail-user',
  '--dependency': 'use -d/--dependency',
  '--comment': 'the tool writes the job comment (the cache reads it to know which images jobs need)',
  '--export': 'the job passes the environment the container needs; set container values with --env',
  '--export-file': 'the job passes the environment the container needs; set container values with --env',
  '--wrap': 'the tool submits its own script; give the command after --',
  '--parsable': "the tool reads sbatch's answer itself",
  '--wait': 'use --wait',
  '--get-user-env': 'the job passes the environment the container needs; set container values with --env',
};

const SBATCH_ARG = /^(--[a-z][a-z0-9-]*)(?:=(.*))?$/s;

/** `--sbatch-arg --name[=value]`: one more #SBATCH line, as its name and value (the value quoted for sbatch). */
export function validateSbatchArg(value: string): { readonly name: string; readonly value: string | undefined } {
  const match = SBATCH_ARG.exec(value);
  if (!match)
    throw malformed('sbatchArg', value, {
      why: 'not one long option (--name or --name=value)',
      hint: 'give one long option as one word, e.g. --sbatch-arg=--reservation=maint or --sbatch-arg=--requeue',
    });
  const name = match[1]!;
  const controlled = SBATCH_CONTROLLED[name];
  if (controlled !== undefined)
    throw malformed('sbatchArg', value, { why: `the tool sets ${name} itself`, hint: controlled });
  if (match[2] !== undefined && /[\u0000-\u001f\u007f]/.test(match[2]))
    throw malformed('sbatchArg', value, { why: 'an #SBATCH line cannot hold control characters (newline, tab)' });
  return { name, value: match[2] };
}
