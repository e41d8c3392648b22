// The CPU job that pulls a digest before the GPU job needing it starts: found in squeue by its name (shared by every
// submission that needs the same image while it is queued) or submitted, under a lock so concurrent submissions
// make one. One Runner call, so it works over SSH as it does here.
import { UnavailableError } from '../errors.js';
import { DEFAULT_IMAGE_DIR_SHELL, sifName } from '../image/names.js';
import { LOGS_DIR, PULL_JOB_LOG, submitLockName } from './layout.js';
import { shellQuote } from '../shell/quote.js';
import type { Runner } from '../transport/runner.js';
import { interpretSbatch } from '../slurm/sbatch.js';
import { SBATCH_ENV_NAMES } from '../slurm/sbatch-env.js';

/**
 * Job name of the CPU job that pulls one digest: the whole digest, so squeue --name finds exactly its pull (the script
 * below appends the checksum of the cache dir it pulls into).
 */
export const pullJobName = (digest: string) => `qsc-pull-${digest.replace(/^sha256:/, '')}`;

export type PullJobAnswer =
  { readonly kind: 'cached' } | { readonly kind: 'queued' | 'submitted'; readonly jobId: string };

/** The script's last line: "cached", "queued ID" (shared) or "submitted ID". */
export function parsePullJobAnswer(stdout: string): PullJobAnswer | undefined {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (line === 'cached') return { kind: 'cached' };
  const m = /^(queued|submitted) (\d+)(?:;\S+)?$/.exec(line);
  return m ? { kind: m[1] as 'queued' | 'submitted', jobId: m[2]! } : undefined;
}

/**
 * The pull job runs where its #SBATCH lines say (the pull partition): the user's SBATCH_* (slurm/sbatch-env.ts) are
 * for the job that waits for it, and would override those lines, so the script unsets them before sbatch.
 * $1 cache dir ('' = the job's default), $2 SIF name, $3 its submit lock's name, $4 the pull job's name by digest,
 * then sbatch's own arguments; the pull script is on stdin; $trusted (cache.trustedUsers, comma-separated) is set
 * before it. The name gets the cache dir's checksum, so only a job pulling into the same directory is shared; and
 * the name is public, so only a job of this user's or a trusted user's (the warmer account) is: anyone may queue a
 * held job of that name, which a victim's GPU job must not depend on. flock is best effort: where the filesystem
 * lacks it, two submissions at the same instant may make two pull jobs, and the template's pull lock still makes the
 * second a no-op. The output goes to this user's own directory under .logs (sticky), made and checked here: the job
 * ID is predictable, so a shared directory would let anyone plant a symlink where slurmd writes the output.
 */
const FIND_OR_SUBMIT = `dir=\${1:-${DEFAULT_IMAGE_DIR_SHELL}}; sif=$2; lock=$3; name=$4-$(printf '%s' "$dir" | cksum | cut -d' ' -f1); shift 4
unset ${SBATCH_ENV_NAMES.join(' ')}
me=$(id -un)
mkdir -p "$dir/${LOGS_DIR}" 2>/dev/null && chmod g+w,+t "$dir/${LOGS_DIR}" 2>/dev/null
logs="$dir/${LOGS_DIR}/$me"
mkdir -m 0755 "$logs" 2>/dev/null
if [ -L "$logs" ] || [ ! -d "$logs" ] || [ ! -O "$logs" ]; then logs=\${XDG_CACHE_HOME:-$HOME/.cache}/qsub-container/pull-logs; mkdir -p "$logs"; fi
[ -L "$dir/$lock" ] || { (set -C; : >"$dir/$lock") 2>/dev/null; exec 9<"$dir/$lock" && flock -w 120 9; } 2>/dev/null
id=$(squeue --noheader --user="$me\${trusted:+,$trusted}" --name="$name" --states=PENDING,RUNNING,CONFIGURING --format=%i | head -n 1)
if [ -n "$id" ]; then echo "queued $id"; exit 0; fi
if [ -s "$dir/$sif" ]; then echo cached; exit 0; fi
answer=$(sbatch --parsable --job-name="$name" --output="$logs/${PULL_JOB_LOG}" "$@") || { code=$?; printf '%s\\n' "$answer"; exit $code; }
echo "submitted $answer"`;

export interface PullJobRequest {
  /** The SIF cache directory; undefined: the job's default (image/names.ts). */
  readonly imageCacheDir: string | undefined;
  readonly digest: string;
  /** The pull script (job/pull-script.ts) the pull job runs. */
  readonly script: string;
  /** cache.trustedUsers: whose queued pull jobs of the digest are shared besides this user's. */
  readonly trustedUsers?: readonly string[];
}

export async function findOrSubmitPullJob(runner: Runner, request: PullJobRequest): Promise<PullJobAnswer> {
  const { digest } = request;
  const names = [sifName(digest), submitLockName(digest), pullJobName(digest)];
  const result = await runner.run({
    argv: [
      'sh',
      '-c',
      `trusted=${shellQuote((request.trustedUsers ?? []).join(','))}\n${FIND_OR_SUBMIT}`,
      'sh',
      request.imageCacheDir ?? '',
      ...names,
    ],
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
