// The warmer as a process: one tick under the single-instance lock (warm --once, cron, systemd timers) or ticks on a
// schedule (warm --daemon, run-daemon.ts); SIGTERM/SIGINT stop the running pulls. Each tick is app/warm-tick.ts.
import { join } from 'node:path';
import { warmableCacheDir, warmTargetNotes, warmTick, type TickSummary, type WarmDeps } from '../app/warm-tick.js';
import type { AppDeps } from '../app/deps.js';
import { WARM_LOCK } from '../cache/layout.js';
import type { Settings } from '../config/resolve.js';
import { PULL_TEMPLATE } from '../job/templates.js';
import { acquireInstanceLock } from './instance-lock.js';
import { makeDirs } from '../state/make-dirs.js';

export type WarmerDeps = Omit<WarmDeps, 'signal'> & Pick<AppDeps, 'readTemplate'>;

export interface WarmerRequest {
  readonly settings: Settings;
  /** Ticks on "warm.schedule" until SIGTERM; else one tick. */
  readonly daemon: boolean;
  /** One tick that plans only (never with daemon). */
  readonly dryRun: boolean;
  readonly refresh: boolean;
}

/** What one tick did, and whether a signal stopped it; undefined after a daemon's run. */
export type WarmerOutcome = { readonly summary: TickSummary; readonly stopped: boolean } | undefined;

/** Resolves with the signal's name when the process is asked to stop. */
export const stopRequested = () =>
  new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });

export async function runWarmer(deps: WarmerDeps, request: WarmerRequest): Promise<WarmerOutcome> {
  const { settings } = request;
  const cacheDir = warmableCacheDir(settings);
  // What it works on, first: an account that is also a user must see which cache and which files it took.
  deps.log.info({
    event: 'warm.start',
    cacheDir,
    configFiles: settings.configFiles,
    mode: request.daemon ? 'daemon' : request.dryRun ? 'dry-run' : 'once',
  });
  // How its image targets were read, as submit says it (Docker Hub for a reference naming no registry): once per run.
  for (const line of warmTargetNotes(settings.warm.targets)) deps.note(line);
  // As jobs do (mkdir -p in the pull block): the first warm of a new cache creates it.
  if (!request.dryRun) await makeDirs(cacheDir);
  const template = await deps.readTemplate(PULL_TEMPLATE);
  const staleLockMs = settings.cache.staleLockSeconds * 1000;
  const tick = (signal: AbortSignal, dryRun = false) =>
    warmTick({ ...deps, signal }, { settings, template, dryRun, refresh: request.refresh });

  if (request.daemon) {
    // node-cron (and the daemon around it) loads only for --daemon: warm --once, from cron or by hand, never pays for it.
    const { runDaemon } = await import('./run-daemon.js');
    await runDaemon({
      cacheDir,
      schedule: settings.warm.schedule,
      jitterSeconds: settings.warm.jitterSeconds,
      staleLockMs,
      log: deps.log,
      now: deps.now,
      tick: async (signal) => tick(signal),
      stopRequested: stopRequested(),
    });
    return undefined;
  }
  // One tick, under the same single-instance lock as the daemon, so cron runs never overlap a daemon or each other.
  const controller = new AbortController();
  void stopRequested().then(() => controller.abort());
  const lock = request.dryRun
    ? undefined
    : await acquireInstanceLock(join(cacheDir, WARM_LOCK), staleLockMs, deps.now, (owner) =>
        deps.log.warn({ event: 'warm.stale-lock', ...owner }),
      );
  try {
    return { summary: await tick(controller.signal, request.dryRun), stopped: controller.signal.aborted };
  } finally {
    await lock?.release();
  }
}
