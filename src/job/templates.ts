// The shipped job templates, by file name under job-templates/ (a site may edit them there).

/** The GPU/CPU job script; its pull block alone is also the pull script (job/pull-script.ts). */
export const JOB_TEMPLATE = 'apptainer.sbatch.mustache';
