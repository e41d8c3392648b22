// --wait: poll the job through the Runner until it ends, reporting each state change; an abort stops following only.
import { UnavailableError } from '../errors.js';
import type { Runner } from '../transport/runner.js';
import { describeStatus, parseJobStatus, scontrolJobArgv, TERMINAL_STATES, type JobStatus } from './job-state.js';

export interface FollowDeps {
  readonly runner: Runner;
  readonly note: (text: string) => void;
  /** Resolves after ms, or early when the signal aborts. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly signal: AbortSignal;
}

export type FollowOutcome =
  | { readonly kind: 'ended'; readonly status: JobStatus }
  | { readonly kind: 'forgotten' }
  | { readonly kind: 'stopped' };

/** Poll every second for the first half minute (short jobs), then every 5 s. */
const pollDelay = (elapsedPolls: number) => (elapsedPolls < 30 ? 1000 : 5000);

export async function followJob(deps: FollowDeps, jobId: string): Promise<FollowOutcome> {
  let last = '';
  for (let polls = 0; ; polls++) {
    if (deps.signal.aborted) return { kind: 'stopped' };
    const result = await deps.runner.run({ argv: scontrolJobArgv(jobId), timeoutMs: 30_000 });
    const status = parseJobStatus(result.stdout);
    if (!status) {
      if (/invalid job id/i.test(result.stderr)) return { kind: 'forgotten' };
      throw new UnavailableError(
        `scontrol could not show job ${jobId}: ${result.stderr.trim() || `exit ${result.code}`}`,
        { hint: 'check that slurmctld is up (scontrol ping)' },
      );
    }
    const line = describeStatus(status);
    if (line !== last) deps.note(`qsub-container: job ${jobId} ${line}`);
    last = line;
    if (TERMINAL_STATES.has(status.state) || neverStarts(status)) return { kind: 'ended', status };
    await deps.sleep(pollDelay(polls));
  }
}

/** A job whose dependency failed (without --kill-on-invalid-dep) pends forever: following it further is pointless. */
export const neverStarts = (status: JobStatus) =>
  status.state === 'PENDING' && status.reason === 'DependencyNeverSatisfied';

export const tailArgv = (file: string, lines: number) => ['tail', '-n', String(lines), '--', file];
