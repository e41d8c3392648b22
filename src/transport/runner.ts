// The Runner port: run an argv on the cluster side (locally or over SSH) and get the outcome as a value.

export interface RunRequest {
  readonly argv: readonly string[];
  /** Written to the command's stdin, then stdin is closed (sbatch reads the job script this way). */
  readonly stdin?: string;
  /** Kill the command after this long; the result then has timedOut: true. */
  readonly timeoutMs?: number;
  /** Stop the command (SIGTERM to its process group; over SSH, TERM to the channel) when aborted: a signal or a closed
   * pipe stops the tool (transport/stoppable-runner.ts), or the warmer shuts down; the commands' traps clean up. */
  readonly signal?: AbortSignal;
}

/** A finished command. A non-zero exit is data, not an exception: the caller decides what it means. */
export interface RunResult {
  /** Exit code; 127 when the command does not exist; null when killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface Runner {
  /** Names the cluster side for caches: "local:<hostname>" or "ssh:user@host:port". */
  readonly id: string;
  run(request: RunRequest): Promise<RunResult>;
  /** Release what the runner holds (the SSH connection); the local runner holds nothing. */
  close?(): Promise<void>;
}
