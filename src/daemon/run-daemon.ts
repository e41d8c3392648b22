// warm --daemon: node-cron ticks (validated expression, no overlap, optional jitter), one instance per cache,
// a failing tick logged and retried next time, SIGTERM stops the running pull (its traps clean up) and exits.
import cron from 'node-cron';
import { join } from 'node:path';
import { ConfigError, formatErrorLine } from '../errors.js';
import type { Logger } from '../log/types.js';
import { WARM_LOCK } from '../cache/layout.js';
import { acquireInstanceLock } from './instance-lock.js';
import type { TickSummary } from '../app/warm-tick.js';

export interface DaemonDeps {
  readonly cacheDir: string;
  readonly schedule: string;
  readonly jitterSeconds: number;
  readonly staleLockMs: number;
  readonly log: Logger;
  readonly now: () => number;
  readonly tick: (signal: AbortSignal) => Promise<TickSummary>;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  readonly stopRequested: Promise<string>;
}

export async function runDaemon(deps: DaemonDeps): Promise<void> {
  const check = cron.validateDetailed(deps.schedule);
  if (!check.valid)
    throw new ConfigError(`"warm.schedule" is not a valid cron expression: ${JSON.stringify(deps.schedule)}`, {
      hint: 'five or six fields, e.g. "17 */6 * * *"',
    });
  const lock = await acquireInstanceLock(join(deps.cacheDir, WARM_LOCK), deps.staleLockMs, deps.now, (owner) =>
    deps.log.warn({ event: 'warm.stale-lock', ...owner }),
  );
  const controller = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const runTick = async (reason: string) => {
    if (deps.jitterSeconds > 0 && reason === 'schedule') {
      await new Promise((r) => setTimeout(r, Math.random() * deps.jitterSeconds * 1000));
    }
    if (controller.signal.aborted) return;
    deps.log.info({ event: 'warm.tick-start', reason });
    try {
      await deps.tick(controller.signal);
    } catch (error) {
      // A failing tick (registry or Slurm down) is logged; the daemon lives on and the next tick retries.
      deps.log.error({ event: 'warm.tick-failed', error: formatErrorLine(error) });
    }
  };
  const guarded = (reason: string) => {
    running = running.then(() => runTick(reason));
    return running;
  };
  try {
    deps.log.info({ event: 'warm.daemon-started', schedule: deps.schedule, pid: process.pid });
    const task = cron.schedule(deps.schedule, () => guarded('schedule'), { name: 'qsc-warm', noOverlap: true });
    void guarded('start');
    const signal = await deps.stopRequested;
    deps.log.info({ event: 'warm.daemon-stopping', signal });
    controller.abort();
    await task.stop();
    await task.destroy();
    await running;
  } finally {
    await lock.release();
    deps.log.info({ event: 'warm.daemon-stopped' });
  }
}
