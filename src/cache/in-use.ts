// Which cached images queued or running jobs need: the job comment qsub-container sets, else the job's own script.
import { UnavailableError } from '../errors.js';
import type { Runner } from '../transport/runner.js';

export const SQUEUE_ARGV = ['squeue', '--all', '--noheader', '--format=%i|%u|%k'] as const;

/** The comment every job script carries (#SBATCH --comment) so that squeue %k shows which image it needs. */
export const jobComment = (digest: string) => `qsc-image=${digest}`;
const COMMENT = /qsc-image=(sha256:[0-9a-f]{64})/;
const SCRIPT_DIGEST = /^image_digest='?(sha256:[0-9a-f]{64})'?$/m;

export interface QueuedJob {
  readonly id: string;
  readonly user: string;
  /** From the job comment; undefined when the job carries none. */
  readonly digest: string | undefined;
}

/** squeue --format=%i|%u|%k lines → jobs (the comment may itself contain "|", so only the first two split). */
export function parseSqueue(stdout: string): QueuedJob[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [id, user, ...rest] = line.split('|');
      if (!id || !user) return [];
      return [{ id, user, digest: COMMENT.exec(rest.join('|'))?.[1] }];
    });
}

/** The digest a rendered qsub-container job script pulls (its `image_digest=` line). */
export const digestInScript = (script: string) => SCRIPT_DIGEST.exec(script)?.[1];

/**
 * Digests of every queued or running job's image. Jobs without the comment (submitted before it existed) are read
 * through `scontrol write batch_script`, which Slurm allows for the user's own jobs. Slurm not answering is an
 * error: pruning without knowing what jobs need would be unsafe.
 */
export async function findImagesInUse(runner: Runner, user: string): Promise<Set<string>> {
  const result = await runner.run({ argv: SQUEUE_ARGV, timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new UnavailableError(
      `squeue failed, so the images queued jobs need are unknown: ${result.stderr.trim() || `exit ${result.code}`}`,
      {
        hint: 'nothing was pruned; check that slurmctld is up (scontrol ping)',
      },
    );
  }
  const jobs = parseSqueue(result.stdout);
  const inUse = new Set(jobs.flatMap((j) => (j.digest ? [j.digest] : [])));
  for (const job of jobs.filter((j) => !j.digest && j.user === user)) {
    const script = await runner.run({ argv: ['scontrol', 'write', 'batch_script', job.id, '-'], timeoutMs: 30_000 });
    const digest = script.code === 0 ? digestInScript(script.stdout) : undefined;
    if (digest) inUse.add(digest);
  }
  return inUse;
}
