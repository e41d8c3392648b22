// A Runner that can be stopped as a whole: every command it runs is ended when the stop signal aborts, and the Slurm
// work still holding an allocation (an srun probe waiting for or running on a node) is cancelled by its job name, so a
// Ctrl-C, SIGTERM, SIGHUP or a closed pipe leaves no process, job or step of the tool's behind, here or over --host.
import { StoppedError } from '../errors.js';
import type { RunRequest, RunResult, Runner } from './runner.js';

export interface StoppableRunner extends Runner {
  /**
   * After the stop signal aborted (which already started it): cancel (scancel --name) the Slurm work of commands still
   * running, then wait (at most `waitMs`) for those cancels and every command to end. Resolves with the job names
   * cancelled since the stop. Safe to call more than once.
   */
  stopWork(waitMs?: number): Promise<readonly string[]>;
}

/** Commands that hold a Slurm allocation for as long as they run: killing them here may not reach the cluster. */
const ALLOCATING = new Set(['srun', 'salloc']);

/**
 * The job name of a command that holds an allocation while it runs, when that name carries `tag` (unique to this run
 * of the tool: cancelling it by name cannot touch anyone else's work).
 */
export function allocatingJobName(argv: readonly string[], tag: string): string | undefined {
  if (!tag || !ALLOCATING.has(argv[0]?.split('/').pop() ?? '')) return undefined;
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  const name = options.find((a) => a.startsWith('--job-name='))?.slice('--job-name='.length);
  return name?.includes(tag) ? name : undefined;
}

export function stoppableRunner(runner: Runner, stop: AbortSignal, tag: string): StoppableRunner {
  const running = new Map<Promise<RunResult>, string | undefined>();
  const cancelled = new Set<string>();
  const cancels: Promise<unknown>[] = [];
  // At once, not when the run has unwound: over SSH, ending the channel may not end the remote srun, and the run may be
  // waiting on it.
  const cancelRunning = (timeoutMs: number): readonly string[] => {
    const names = [...new Set(running.values())].filter((n): n is string => !!n && !cancelled.has(n));
    for (const name of names) {
      cancelled.add(name);
      // scancel itself must outlive the stop: it is not given the stop signal.
      cancels.push(runner.run({ argv: ['scancel', `--name=${name}`], timeoutMs }).catch(() => undefined));
    }
    return names;
  };
  stop.addEventListener('abort', () => void cancelRunning(10_000), { once: true });
  const run = (request: RunRequest): Promise<RunResult> => {
    // Nothing new starts once stopped: a submission interrupted while the registry answered never reaches sbatch.
    if (stop.aborted) return Promise.reject(new StoppedError(`stopped before running ${request.argv[0]}`));
    const signal = request.signal ? AbortSignal.any([request.signal, stop]) : stop;
    const pending = runner.run({ ...request, signal });
    running.set(pending, allocatingJobName(request.argv, tag));
    const forget = () => void running.delete(pending);
    pending.then(forget, forget);
    return pending;
  };
  return {
    id: runner.id,
    run,
    ...(runner.close ? { close: () => runner.close!() } : {}),
    async stopWork(waitMs = 10_000) {
      cancelRunning(waitMs);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...cancels, ...running.keys()]),
        new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
      ]);
      clearTimeout(timer);
      return [...cancelled];
    },
  };
}
