// The shipped job templates, by file name under job-templates/ (a site may edit them there, and their partials:
// {{> _name}} is _name.mustache beside them).

/** The GPU/CPU job script: header, image, runtime, lock, runtime guard, pull and run partials. */
export const JOB_TEMPLATE = 'apptainer.sbatch.mustache';
/** The pull script alone (a submission's CPU pull job, the warmer, import): the same partials without guard or run. */
export const PULL_TEMPLATE = 'apptainer-pull.sbatch.mustache';
