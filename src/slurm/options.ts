// Validate job options the way sbatch reads them, so a typo fails here, not after queueing.
import { malformed, type Field } from '../errors.js';

// sbatch --time: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS", or UNLIMITED/INFINITE.
const TIME =
  /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|unlimited|infinite)$/i;
// sbatch --mem: a number with an optional K/M/G/T unit (default megabytes).
const MEMORY = /^\d+(?:[KMGT]B?)?$/i;
// Slurm names (partition, account, GRES type): letters, digits and a few separators.
const SLURM_NAME = /^[A-Za-z0-9_.+-]+$/;

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
