// The -o/-e directories made before sbatch (sbatch does not make them): what is known at submit fills them in, what
// only the running job knows is refused with a sentence.
import { describe, expect, it } from 'vitest';
import { ExitCode, formatErrorLine } from '../../../src/errors.js';
import { planOutputDirs } from '../../../src/slurm/output-dirs.js';

const plan = (output: string | undefined, error?: string, chdir?: string) =>
  planOutputDirs(
    [
      { flag: '-o', path: output },
      { flag: '-e', path: error },
    ],
    'train',
    chdir,
  ).map((d) => d.dir);

describe('the directories of the job output files', () => {
  it.each<[string, string | undefined, string | undefined, string | undefined, string[]]>([
    ['no -o: Slurm writes slurm-%j.out in the working directory', undefined, undefined, undefined, []],
    ['a file in the working directory', 'out-%j.txt', undefined, undefined, []],
    ['a file in /', '/x.out', undefined, undefined, []],
    ['logs/ relative to the submission cwd', 'logs/%x-%j.out', undefined, undefined, ['logs']],
    ['relative to --chdir', 'logs/%x-%j.out', undefined, '/scratch/run/', ['/scratch/run/logs']],
    ['an absolute path ignores --chdir', '/data/logs/a.out', undefined, '/scratch', ['/data/logs']],
    ['%x filled in, %u left for the cluster side', 'logs/%u/%x/out', undefined, undefined, ['logs/%u/train']],
    ['-o and -e in one directory: made once', 'logs/a.out', 'logs/a.err', undefined, ['logs']],
    ['-o and -e apart', 'out/a', 'err/a', undefined, ['out', 'err']],
  ])('%s', (_what, output, error, chdir, dirs) => {
    expect(plan(output, error, chdir)).toEqual(dirs);
  });

  it.each(['logs/%j/out', 'logs/%A_%a/out', 'logs/%N/out', 'logs/%5x/out', 'logs/100%%/out'])(
    '%s: a pattern only the running job knows is refused (exit 2), naming it',
    (output) => {
      let error: unknown;
      try {
        plan(output);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ exitCode: ExitCode.usage });
      const line = formatErrorLine(error);
      expect(line).toContain(`the directory part of -o ${output} holds %`);
      expect(line).toContain('Hint: put the patterns in the file name (e.g. -o logs/%x-%j.out)');
    },
  );
});
