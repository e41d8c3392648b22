// How a run of the tool ends early: on SIGINT, SIGTERM or SIGHUP, or when its stdout or stderr is a pipe whose reader
// went away (`| head`). Either aborts the run's signal: the runner stops the commands it started and cancels their Slurm
// work (transport/stoppable-runner.ts, through dispatch.ts), and the tool exits 128+N for signal N, or 141 for a closed
// pipe (what a shell shows for a Unix tool killed by SIGPIPE), quietly: never Node's stack, never a hang.

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export type StopCause =
  | { readonly kind: 'signal'; readonly name: StopSignal }
  | { readonly kind: 'pipe'; readonly stream: 'stdout' | 'stderr' };

const SIGNAL_NUMBERS: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** The exit code of a closed pipe: 128 + SIGPIPE (13). Node ignores SIGPIPE, so it is said, not died of. */
export const CLOSED_PIPE_EXIT = 141;

export const exitCodeForStop = (cause: StopCause): number =>
  cause.kind === 'pipe' ? CLOSED_PIPE_EXIT : 128 + SIGNAL_NUMBERS[cause.name];

export interface Stop {
  /** Aborted when the run is asked to stop. */
  readonly signal: AbortSignal;
  readonly cause: () => StopCause | undefined;
  /** Also stop on SIGINT, SIGTERM and SIGHUP (not for the warmer, which handles its own signals). */
  watchSignals(): void;
  /**
   * What must happen before the process exits when the run did not end by itself within the grace time after a stop
   * (or on a second signal): stop the runner's work, close SSH.
   */
  setCleanup(cleanup: () => Promise<void>): void;
  /** The run returned: a stopped run exits now (after the caller's last line), a stop from now on exits at once. */
  finished(): void;
}

export interface StopOptions {
  /**
   * Ends the process (the bin passes process.exit; no module of src/ calls it). Used only when a stopped run has
   * nothing left to do but something (a socket, a process it could not stop) would hold the exit back.
   */
  readonly exit: (code: number) => void;
  /** How long a stopped run may take to unwind by itself before the process exits anyway. */
  readonly graceMs?: number;
  /** Where errors of our output and signals arrive: the process, or stand-ins in tests. */
  readonly from?: {
    readonly stdout: Pick<NodeJS.EventEmitter, 'on'>;
    readonly stderr: Pick<NodeJS.EventEmitter, 'on'>;
    readonly signals: Pick<NodeJS.EventEmitter, 'on'>;
  };
}

/** Installs the handlers (stdout and stderr errors at once; signals with watchSignals). One per process. */
export function watchForStop({
  exit,
  graceMs = 5_000,
  from = { stdout: process.stdout, stderr: process.stderr, signals: process },
}: StopOptions): Stop {
  const controller = new AbortController();
  let cause: StopCause | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let done = false;
  let exiting = false;
  const exitNow = async () => {
    if (exiting) return;
    exiting = true;
    try {
      await cleanup?.();
    } finally {
      exit(exitCodeForStop(cause!));
    }
  };
  const stopWith = (next: StopCause) => {
    if (cause || done) {
      // A second signal (the user insists) or a stop after the run returned: no more waiting.
      cause ??= next;
      void exitNow();
      return;
    }
    cause = next;
    controller.abort();
    setTimeout(() => void exitNow(), graceMs).unref();
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    // EPIPE: the reader closed the pipe. Any other write error on our own output leaves nowhere to report it either,
    // so it ends the run the same way.
    from[stream].on('error', () => stopWith({ kind: 'pipe', stream }));
  }
  return {
    signal: controller.signal,
    cause: () => cause,
    watchSignals() {
      for (const name of Object.keys(SIGNAL_NUMBERS) as StopSignal[])
        from.signals.on(name, () => stopWith({ kind: 'signal', name }));
    },
    setCleanup(fn) {
      cleanup = fn;
    },
    finished() {
      done = true;
      // A stopped run has nothing left to wait for: an aborted request's socket must not hold the exit back.
      if (cause) setImmediate(() => void exitNow());
    },
  };
}
