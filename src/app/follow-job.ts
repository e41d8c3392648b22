// After a submission (--wait): follow the pull job (if one was chained) then the job, and give back how the job ended
// and its output's tail; a pull job that failed means the job never starts, and that is said plainly.
import { InterruptedError, RefusedError } from '../errors.js';
import { followJob, neverStarts, tailArgv } from '../slurm/follow-job.js';
import { jobExitCode, type JobStatus } from '../slurm/job-state.js';
import { sshCommandFor } from '../transport/host-arg.js';
import type { AppDeps } from './deps.js';

export type FollowDeps = Pick<AppDeps, 'runner' | 'note' | 'sleep' | 'signal'> & {
  /** What --host named, for the scancel hint. */
  readonly hostLabel: string | undefined;
};

const TAIL_LINES = 20;

/** The last lines of a job's output file, or why they could not be read. */
export type Tail = { readonly file: string } & ({ readonly text: string } | { readonly error: string });

export type Followed =
  | { readonly kind: 'forgotten'; readonly exitCode: 1 }
  | { readonly kind: 'ended'; readonly exitCode: number; readonly tail: Tail | undefined };

async function readTail(deps: FollowDeps, status: JobStatus): Promise<Tail | undefined> {
  if (!status.stdOut) return undefined;
  const tail = await deps.runner.run({ argv: tailArgv(status.stdOut, TAIL_LINES), timeoutMs: 30_000 });
  return tail.code === 0
    ? { file: status.stdOut, text: tail.stdout.replace(/\n$/, '') }
    : { file: status.stdOut, error: tail.stderr.trim() };
}

/**
 * Tail lines for the person following: a header on stderr, then the lines (on `lines`: stdout for the job's own output,
 * stderr otherwise), or why they could not be read.
 */
export function printTail(tail: Tail, note: (text: string) => void, lines: (text: string) => void = note): void {
  if ('error' in tail) return note(`qsub-container: cannot read ${tail.file}: ${tail.error}`);
  note(`qsub-container: last ${TAIL_LINES} lines of ${tail.file}:`);
  lines(tail.text);
}

export async function followSubmitted(deps: FollowDeps, jobId: string, pullJobId?: string): Promise<Followed> {
  const cancel = deps.hostLabel ? `${sshCommandFor(deps.hostLabel)} scancel ${jobId}` : `scancel ${jobId}`;
  const stopped = () =>
    new InterruptedError(`stopped following job ${jobId}; the job keeps running`, { hint: `to cancel it: ${cancel}` });
  if (pullJobId) {
    const pull = await followJob(
      { ...deps, note: (line) => deps.note(line.replace(`job ${pullJobId} `, `pull job ${pullJobId} `)) },
      pullJobId,
    );
    if (pull.kind === 'stopped') throw stopped();
    if (pull.kind === 'ended' && pull.status.state !== 'COMPLETED') {
      const tail = await readTail(deps, pull.status);
      if (tail) printTail(tail, deps.note);
      throw new RefusedError(
        `pull job ${pullJobId} ended ${pull.status.state}, so job ${jobId} can never start (its dependency can never be satisfied: DependencyNeverSatisfied)`,
        {
          hint: tail
            ? 'see the pull job output above, then submit again: a new pull job is made'
            : 'its output could not be read; submit again: a new pull job is made',
        },
      );
    }
  }
  const outcome = await followJob(deps, jobId);
  if (outcome.kind === 'stopped') throw stopped();
  if (outcome.kind === 'forgotten') {
    deps.note(
      `qsub-container: Slurm no longer knows job ${jobId} (it ended a while ago and accounting is off): exit code unknown`,
    );
    return { kind: 'forgotten', exitCode: 1 };
  }
  const { status } = outcome;
  if (neverStarts(status) || status.reason === 'DependencyNeverSatisfied') {
    throw new RefusedError(
      `job ${jobId} can never start: its dependency can never be satisfied (DependencyNeverSatisfied)`,
      { hint: `submit again; cancel the stuck job with: ${cancel}` },
    );
  }
  return { kind: 'ended', exitCode: jobExitCode(status), tail: await readTail(deps, status) };
}
