// What `scontrol show job -o ID` says about a job (no accounting needed), and the exit code --wait ends with.

export interface JobStatus {
  readonly state: string;
  readonly reason: string | undefined;
  readonly nodes: string | undefined;
  /** "N:S" from ExitCode=: the batch script's exit code and the signal that ended it. */
  readonly exitCode: number | undefined;
  readonly signal: number | undefined;
  readonly stdOut: string | undefined;
}

export const scontrolJobArgv = (jobId: string) => ['scontrol', 'show', 'job', '-o', jobId];

/** Job states after which nothing changes (Slurm's "completed" flag set). */
export const TERMINAL_STATES = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'SPECIAL_EXIT',
]);

/** One field's value; values run to the next " Key=" so paths with spaces survive. */
function field(line: string, key: string): string | undefined {
  const match = new RegExp(`(?:^| )${key}=(.*?)(?= [A-Za-z/:_]+=|\\s*$)`).exec(line);
  const value = match?.[1];
  return value === undefined || value === '' || value === '(null)' ? undefined : value;
}

/** undefined when Slurm no longer knows the job (it forgets finished jobs after MinJobAge). */
export function parseJobStatus(stdout: string): JobStatus | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('JobId='));
  if (!line) return undefined;
  const [code, signal] = (field(line, 'ExitCode') ?? '')
    .split(':')
    .map((n) => (/^\d+$/.test(n) ? Number(n) : undefined));
  const reason = field(line, 'Reason');
  return {
    state: (field(line, 'JobState') ?? 'UNKNOWN').replace(/\+$/, ''),
    reason: reason === 'None' ? undefined : reason,
    nodes: field(line, 'NodeList'),
    exitCode: code,
    signal,
    stdOut: field(line, 'StdOut'),
  };
}

/** The code `--wait` exits with: the script's own code, 128+signal when a signal ended it, 1 for other failures. */
export function jobExitCode(status: JobStatus): number {
  if (status.signal) return 128 + status.signal;
  if (status.exitCode) return status.exitCode;
  return status.state === 'COMPLETED' ? 0 : 1;
}

/** One line per state change, e.g. "PENDING (Resources)", "RUNNING on gpu01", "FAILED, exit code 3". */
export function describeStatus(status: JobStatus): string {
  if (status.state === 'PENDING') return `PENDING${status.reason ? ` (${status.reason})` : ''}`;
  if (status.state === 'RUNNING') return `RUNNING${status.nodes ? ` on ${status.nodes}` : ''}`;
  if (TERMINAL_STATES.has(status.state)) return `${status.state}, exit code ${jobExitCode(status)}`;
  return status.state;
}
