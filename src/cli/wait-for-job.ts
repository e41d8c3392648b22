// --wait after a submission: follow the job, print its output's tail, and give back the job's exit code.
import { InterruptedError } from '../errors.js';
import { followJob, tailArgv } from '../slurm/follow-job.js';
import { jobExitCode } from '../slurm/job-state.js';
import type { Context } from './context.js';

const TAIL_LINES = 20;

export async function waitForJob(ctx: Context, jobId: string, json: boolean): Promise<number> {
  const cancel = ctx.hostLabel ? `ssh ${ctx.hostLabel} scancel ${jobId}` : `scancel ${jobId}`;
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const outcome = await followJob({ runner: ctx.runner, note: ctx.note, sleep, signal: ctx.signal ?? new AbortController().signal }, jobId);
  if (outcome.kind === 'stopped') {
    throw new InterruptedError(`stopped following job ${jobId}; the job keeps running`, { hint: `to cancel it: ${cancel}` });
  }
  if (outcome.kind === 'forgotten') {
    ctx.note(`qsub-container: Slurm no longer knows job ${jobId} (it ended a while ago and accounting is off): exit code unknown`);
    return 1;
  }
  const { status } = outcome;
  if (status.stdOut) {
    const tail = await ctx.runner.run({ argv: tailArgv(status.stdOut, TAIL_LINES), timeoutMs: 30_000 });
    if (tail.code === 0) {
      ctx.note(`qsub-container: last ${TAIL_LINES} lines of ${status.stdOut}:`);
      (json ? ctx.note : ctx.out)(tail.stdout.replace(/\n$/, ''));
      if (!json) ctx.out('\n');
    } else ctx.note(`qsub-container: cannot read ${status.stdOut}: ${tail.stderr.trim()}`);
  }
  return jobExitCode(status);
}
