// The directories of the job's -o/-e files, which sbatch does not create (the job then fails with exit 181 and --wait
// finds no output): planned here from what is known at submit, made on the cluster side before sbatch runs.
import { UsageError } from '../errors.js';

/** One directory to make, as sbatch will see it: relative ones are resolved against the submission's cwd there. */
export interface OutputDir {
  /** The flag that named it, for messages. */
  readonly flag: string;
  /** The path as given (for messages). */
  readonly path: string;
  /**
   * The directory, with %x filled in and any %u left for the cluster side (the user there, `id -un`, which over --host
   * may not be this machine's); relative to the job's working directory.
   */
  readonly dir: string;
}

/** Slurm's filename patterns: %% or % with an optional width, then a letter (sbatch(1) "filename pattern"). */
const PATTERN = /%(\d*)([A-Za-z%])/g;

/**
 * The directory part of each output path, made only of what is known at submit: %x (the job name) is filled in, %u
 * (the user) is kept for the cluster side to fill in, and any other pattern (%j, %A, %a, %N, %s, %t...) is known only
 * when the job runs, so the directory cannot be made before and is refused with a sentence; %% too (rare in directory
 * names, and it would make a literal "%u" ambiguous for the cluster side). `chdir`: the job's --chdir, which relative
 * paths are relative to.
 */
export function planOutputDirs(
  files: readonly { readonly flag: string; readonly path: string | undefined }[],
  jobName: string,
  chdir: string | undefined,
): OutputDir[] {
  const planned: OutputDir[] = [];
  for (const { flag, path } of files) {
    if (!path) continue;
    const slash = path.lastIndexOf('/');
    if (slash <= 0) continue; // the working directory, or /
    const raw = path.slice(0, slash);
    const dir = raw.replace(PATTERN, (whole, width: string, letter: string) => {
      if (letter === 'x' && width === '') return jobName;
      if (letter === 'u' && width === '') return '%u';
      throw new UsageError(
        `the directory part of ${flag} ${path} holds ${whole}, which Slurm fills in only when the job runs, so its directory cannot be made before`,
        {
          hint: `put the patterns in the file name (e.g. ${flag} logs/%x-%j.out); only %x and %u may stand in the directory`,
        },
      );
    });
    const resolved = dir.startsWith('/') || !chdir ? dir : `${chdir.replace(/\/+$/, '')}/${dir}`;
    if (!planned.some((p) => p.dir === resolved)) planned.push({ flag, path, dir: resolved });
  }
  return planned;
}
