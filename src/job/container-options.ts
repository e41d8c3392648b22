// What users add to the container (binds, environment) and the job (an array), validated before anything is queued
// (pure). Values are quoted by the renderer; these checks refuse what Apptainer itself would misread.
import { InvalidValueError, malformed } from '../errors.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// sbatch --array: "0-15", "1,3,5-7", "0-15:4", "0-99%10".
const ARRAY = /^\d+(?:-\d+(?::\d+)?)?(?:,\d+(?:-\d+(?::\d+)?)?)*(?:%\d+)?$/;

/**
 * `--bind SRC[:DST[:ro|rw]]`. Apptainer splits bind lists on "," and each bind on ":", so a path holding either cannot
 * be expressed; those, relative paths and control characters are refused. Everything else (spaces, quotes, $, globs,
 * unicode) is quoted into one word and reaches Apptainer unchanged.
 */
export function validateBind(value: string): string {
  const parts = value.split(':');
  const [source, target, options] = parts;
  const bad = (why: string) =>
    malformed('bind', value, {
      why,
      hint: 'give --bind SRC[:DST[:ro|rw]] with absolute paths, e.g. --bind /projects/p12345:/data:ro',
    });
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad('control characters (newline, tab) cannot be bound');
  if (value.includes(',')) throw bad('Apptainer reads "," as a separator between binds');
  if (parts.length > 3) throw bad('Apptainer reads ":" as a separator, so paths cannot contain one');
  if (!source?.startsWith('/')) throw bad('the source must be an absolute path');
  if (target !== undefined && !target.startsWith('/')) throw bad('the destination must be an absolute path');
  if (options !== undefined && options !== 'ro' && options !== 'rw') throw bad('the only options are ro and rw');
  return value;
}

/** `--env KEY=VALUE`: the value is any text (it reaches the container through env(1)'s argv, byte for byte). */
export function validateEnv(value: string): { readonly name: string; readonly value: string } {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (eq < 0 || !ENV_NAME.test(name)) {
    throw malformed('env', value, {
      shown: value.length > 80 ? `${value.slice(0, 80)}...` : value,
      hint: 'give --env NAME=VALUE with NAME made of letters, digits and "_" (not starting with a digit)',
    });
  }
  return { name, value: value.slice(eq + 1) };
}

export function validateArray(value: string): string {
  if (!ARRAY.test(value)) {
    throw malformed('array', value, {
      hint: 'give indexes as sbatch takes them, e.g. --array 0-15, --array 1,3,5-7 or --array 0-99%10',
    });
  }
  return value;
}

/**
 * `--commands FILE`: one shell command per line (blank lines and "#" comments skipped, DOS line ends taken), each run
 * as one array task: several commands, one image resolution.
 */
export function parseTaskCommands(text: string, file: string): string[] {
  const commands = text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  if (commands.length === 0)
    throw new InvalidValueError('taskCommands', file, (name) => `${name} ${file} holds no command`, {
      hint: 'write one shell command per line',
    });
  return commands;
}

/**
 * `--apptainer-arg`: exec options the job passes on as one word each. Flags stand alone; the others take their value
 * after "=" (one argv word, so the value reaches Apptainer byte for byte). What the tool sets itself (--nv, binds,
 * environment) has flags of its own.
 */
const APPTAINER_FLAGS: readonly string[] = [
  '--cleanenv',
  '--contain',
  '--containall',
  '--writable-tmpfs',
  '--no-home',
  '--no-init',
  '--no-privs',
  '--no-umask',
  '--ipc',
  '--pid',
  '--userns',
  '--fakeroot',
  '--nvccli',
  '--no-eval',
];
const APPTAINER_VALUED: readonly string[] = [
  '--overlay',
  '--home',
  '--pwd',
  '--workdir',
  '--scratch',
  '--no-mount',
  '--mount',
  '--security',
  '--hostname',
];
const APPTAINER_CONTROLLED: Readonly<Record<string, string>> = {
  '--nv': 'the tool adds --nv to GPU jobs',
  '--bind': 'use --bind',
  '-B': 'use --bind',
  '--env': 'use --env',
  '--env-file': 'use --env',
};

export function validateApptainerArg(value: string): string {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const bad = (why: string, hint?: string) =>
    malformed('apptainerArg', value, {
      why,
      hint:
        hint ?? `give one of ${APPTAINER_FLAGS.join(' ')}, or ${APPTAINER_VALUED.map((n) => `${n}=VALUE`).join(' ')}`,
    });
  if (name in APPTAINER_CONTROLLED) throw bad(`the tool sets ${name} itself`, APPTAINER_CONTROLLED[name]);
  if (APPTAINER_FLAGS.includes(name)) {
    if (eq >= 0) throw bad(`${name} takes no value`);
    return value;
  }
  if (APPTAINER_VALUED.includes(name)) {
    if (eq < 0 || eq === value.length - 1) throw bad(`${name} needs a value`, `give it as one word: ${name}=VALUE`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw bad('control characters (newline, tab) cannot be passed');
    return value;
  }
  throw bad('not an apptainer exec option the job passes on');
}
