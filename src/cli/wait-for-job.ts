// --wait after a submission: follow the pull job (if one was chained) then the job, print the output's tail, and give
// back the job's exit code; a pull job that failed means the job never starts, and that is said plainly.
import { InterruptedError, RefusedError } from '../errors.js';
import { followJob, neverStarts, tailArgv } from '../slurm/follow-job.js';
import { jobExitCode, type JobStatus } from '../slurm/job-state.js';
import type { Context } from './context.js';

const TAIL_LINES = 20;

async function printTail(ctx: Context, status: JobStatus, json: boolean, toStderr: boolean): Promise<void> {
  if (!status.stdOut) return;
  const tail = await ctx.runner.run({ argv: tailArgv(status.stdOut, TAIL_LINES), timeoutMs: 30_000 });
  if (tail.code === 0) {
    ctx.note(`qsub-container: last ${TAIL_LINES} lines of ${status.stdOut}:`);
    (json || toStderr ? ctx.note : ctx.out)(tail.stdout.replace(/\n$/, ''));
    if (!json && !toStderr) ctx.out('\n');
  } else ctx.note(`qsub-container: cannot read ${status.stdOut}: ${tail.stderr.trim()}`);
}

export async function waitForJob(ctx: Context, jobId: string, json: boolean, pullJobId?: string): Promise<number> {
  const cancel = ctx.hostLabel ? `ssh ${ctx.hostLabel} scancel ${jobId}` : `scancel ${jobId}`;
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deps = { runner: ctx.runner, note: ctx.note, sleep, signal: ctx.signal ?? new AbortController().signal };
  const stopped = () =>
    new InterruptedError(`stopped following job ${jobId}; the job keeps running`, { hint: `to cancel it: ${cancel}` });
  if (pullJobId) {
    const pull = await followJob(
      { ...deps, note: (line) => ctx.note(line.replace(`job ${pullJobId} `, `pull job ${pullJobId} `)) },
      pullJobId,
    );
    if (pull.kind === 'stopped') throw stopped();
    if (pull.kind === 'ended' && pull.status.state !== 'COMPLETED') {
      await printTail(ctx, pull.status, json, true);
      throw new RefusedError(
        `pull job ${pullJobId} ended ${pull.status.state}, so job ${jobId} can never start (its dependency can never be satisfied: DependencyNeverSatisfied)`,
        {
          hint: 'see the pull job output above, then submit again: a new pull job is made',
        },
      );
    }
  }
  const outcome = await followJob(deps, jobId);
  if (outcome.kind === 'stopped') throw stopped();
  if (outcome.kind === 'forgotten') {
    ctx.note(
      `qsub-container: Slurm no longer knows job ${jobId} (it ended a while ago and accounting is off): exit code unknown`,
    );
    return 1;
  }
  const { status } = outcome;
  if (neverStarts(status) || status.reason === 'DependencyNeverSatisfied') {
    throw new RefusedError(
      `job ${jobId} can never start: its dependency can never be satisfied (DependencyNeverSatisfied)`,
      { hint: `submit again; cancel the stuck job with: ${cancel}` },
    );
  }
  await printTail(ctx, status, json, false);
  return jobExitCode(status);
}
