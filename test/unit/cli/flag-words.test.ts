// Refused values are worded with the flag the user typed (cli/flag-words.ts), and by config key for the warmer.
import { describe, expect, it } from 'vitest';
import { inConfigWords } from '../../../src/app/config-words.js';
import { inFlagWords } from '../../../src/cli/flag-words.js';
import { ConfigError, ExitCode, UnmetNeedError, UsageError } from '../../../src/errors.js';
import { validateBind, validateEnv, parseTaskCommands } from '../../../src/job/container-options.js';
import { choosePullMode } from '../../../src/job/pull-mode.js';
import { validateConstraints } from '../../../src/ngc/constraints.js';
import { validateConstraint } from '../../../src/slurm/feature-constraint.js';
import { validateCount, validateMemory, validateSlurmName, validateTime } from '../../../src/slurm/options.js';

const refusal = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
};
const asTyped = (fn: () => unknown) => (inFlagWords(refusal(fn)) as Error).message;

describe('the command line words refused values with their flags', () => {
  it.each([
    [() => validateTime('4h'), 'malformed --time "4h"'],
    [() => validateMemory('lots'), 'malformed --mem "lots"'],
    [() => validateCount('gpus', 'two', 0), 'malformed --gpu "two"'],
    [() => validateSlurmName('partition', 'a b'), 'malformed --partition "a b"'],
    [() => validateConstraint('h100;id'), 'malformed --constraint "h100;id"'],
    [() => validateBind('data'), 'malformed --bind "data": the source must be an absolute path'],
    [() => validateEnv('x'.repeat(90)), `malformed --env "${'x'.repeat(80)}..."`],
    [() => parseTaskCommands('# nothing\n', 'tasks.txt'), '--commands tasks.txt holds no command'],
    [() => validateConstraints({ python: '4' }), 'unsupported --python "4"'],
    [() => choosePullMode({ requested: 'login', gpus: 1, pullPartition: undefined }), 'unknown --pull "login"'],
    [
      () => choosePullMode({ requested: 'slurm', gpus: 1, pullPartition: undefined }),
      '--pull slurm needs a pull partition',
    ],
  ])('%#: %s', (fn, words) => {
    expect(asTyped(fn)).toBe(words);
    expect(inFlagWords(refusal(fn))).toBeInstanceOf(UsageError);
  });

  it('and a value that lacks a setting, keeping its exit code (78)', () => {
    const worded = inFlagWords(new UnmetNeedError('pull', 'local', 'a shared cache directory', { hint: 'h' }));
    expect(worded).toBeInstanceOf(ConfigError);
    expect(worded).toMatchObject({ message: '--pull local needs a shared cache directory', hint: 'h' });
  });

  it('leaves other errors alone', () => {
    const error = new Error('x');
    expect(inFlagWords(error)).toBe(error);
  });
});

describe('the warmer words them with config keys', () => {
  it('as configuration errors (exit 78)', () => {
    const worded = inConfigWords(refusal(() => validateSlurmName('partition', 'a b')));
    expect(worded).toBeInstanceOf(ConfigError);
    expect(worded).toMatchObject({ exitCode: ExitCode.config, message: 'malformed warm target partition "a b"' });
  });
});
