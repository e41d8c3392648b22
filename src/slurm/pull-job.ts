// The CPU job that pulls a digest before the GPU job needing it starts: found in squeue by its name (shared by every
// submission that needs the same image while it is queued) or submitted, under a lock so concurrent submissions
// make one. One Runner call, so it works over SSH as it does here.
import { UnavailableError } from '../errors.js';
import { parsePullJobAnswer, type PullJobAnswer } from '../job/pull-mode.js';
import { DEFAULT_IMAGE_DIR_SHELL } from '../image/names.js';
import type { Runner } from '../transport/runner.js';
import { interpretSbatch } from './sbatch.js';

/**
 * $1 cache dir ('' = the job's default), $2 SIF name, $3 the pull job's name by digest, then sbatch's own arguments;
 * the pull script is on stdin. The name gets the cache dir's checksum, so only a job pulling into the same directory
 * is shared. flock is best effort: where the filesystem lacks it, two submissions at the same instant may make two
 * pull jobs, and the template's pull lock still makes the second a no-op.
 */
const FIND_OR_SUBMIT = `dir=\${1:-${DEFAULT_IMAGE_DIR_SHELL}}; sif=$2; name=$3-$(printf '%s' "$dir" | cksum | cut -d' ' -f1); shift 3
mkdir -p "$dir/.logs" && chmod g+w "$dir/.logs" 2>/dev/null
exec 9>>"$dir/$sif.submit.lock" && flock -w 120 9 2>/dev/null
id=$(squeue --noheader --name="$name" --states=PENDING,RUNNING,CONFIGURING --format=%i | head -n 1)
if [ -n "$id" ]; then echo "queued $id"; exit 0; fi
if [ -s "$dir/$sif" ]; then echo cached; exit 0; fi
answer=$(sbatch --parsable --job-name="$name" --output="$dir/.logs/pull-%j.out" "$@") || { code=$?; printf '%s\\n' "$answer"; exit $code; }
echo "submitted $answer"`;

export interface PullJobRequest {
  readonly cacheDir: string | undefined;
  readonly sifName: string;
  /** The pull job's name by digest (job/pull-mode.ts: pullJobName); the script adds the cache dir's checksum. */
  readonly name: string;
  /** The pull script (the job template's pull block, pullOnly). */
  readonly script: string;
}

export async function findOrSubmitPullJob(runner: Runner, request: PullJobRequest): Promise<PullJobAnswer> {
  const result = await runner.run({
    argv: ['sh', '-c', FIND_OR_SUBMIT, 'sh', request.cacheDir ?? '', request.sifName, request.name],
    stdin: request.script,
    timeoutMs: 180_000,
  });
  const answer = result.code === 0 ? parsePullJobAnswer(result.stdout) : undefined;
  if (answer) return answer;
  const refused = interpretSbatch(result);
  if ('error' in refused) {
    refused.error.message = `the pull job was not submitted: ${refused.error.message}`;
    throw refused.error;
  }
  throw new UnavailableError(
    `could not find or submit the pull job: ${result.stderr.trim() || result.stdout.trim() || `exit ${result.code}`}`,
    {
      hint: 'check that slurmctld is up (scontrol ping)',
    },
  );
}
