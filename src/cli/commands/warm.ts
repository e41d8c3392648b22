// warm: keep the shared cache current for the site's targets, once (cron, systemd timer) or as a daemon.
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { WARM_LOCK } from '../../cache/layout.js';
import { acquireInstanceLock } from '../../daemon/instance-lock.js';
import { warmOnce, type TickSummary } from '../../daemon/warm-once.js';
import { ConfigError, ExitCode, QscError, type ExitCodeValue } from '../../errors.js';
import type { WarmArgs } from '../args.js';
import type { Context } from '../context.js';
import { settingsFor } from '../shared.js';
import { JOB_TEMPLATE } from './submit.js';

const stopSignal = () =>
  new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });

function report(ctx: Context, summary: TickSummary, json: boolean, dryRun: boolean): void {
  if (json) {
    const plan = summary.plan && {
      pulls: summary.plan.pulls.map((p) => ({ image: p.ref, digest: p.digest, wantedBy: p.wantedBy })),
      links: summary.plan.links,
      cached: summary.plan.cached.map((p) => ({ image: p.ref, digest: p.digest, wantedBy: p.wantedBy })),
      evict:
        summary.plan.prune?.remove.map((r) => ({ digest: r.image.digest, tags: r.image.tags, reason: r.reason })) ?? [],
    };
    ctx.out(`${JSON.stringify({ ...summary, plan }, null, 2)}\n`);
    return;
  }
  if (dryRun && summary.plan) {
    for (const p of summary.plan.pulls) ctx.out(`would pull ${p.ref} ${p.digest} (for ${p.wantedBy.join(', ')})\n`);
    for (const p of summary.plan.cached) ctx.out(`cached ${p.ref} ${p.digest} (for ${p.wantedBy.join(', ')})\n`);
  } else {
    for (const ref of summary.pulled) ctx.out(`pulled ${ref}\n`);
    for (const ref of summary.cached) ctx.out(`cached ${ref}\n`);
    for (const digest of summary.evicted) ctx.out(`evicted ${digest}\n`);
  }
  for (const f of summary.failed) ctx.note(`qsub-container: warm: ${f.what}: ${f.message}`);
}

export async function warmCommand(args: WarmArgs, ctx: Context): Promise<void> {
  const settings = await settingsFor(ctx, { cacheDir: args.cacheDir });
  const cacheDir = settings.cacheDir;
  if (!cacheDir)
    throw new ConfigError('warm needs a cache directory', {
      hint: 'pass --cache-dir DIR or set "cacheDir" in the site config',
    });
  if (settings.warm.targets.length === 0) {
    throw new ConfigError('warm has no targets', {
      hint: 'set "warm": {"targets": [{"framework": "pytorch", "partitions": ["gengpu"]}]} in the site config',
    });
  }
  // As jobs do (mkdir -p in the pull block): the first warm of a new cache creates it.
  if (!args.dryRun) await mkdir(cacheDir, { recursive: true });
  const template = await ctx.readTemplate(JOB_TEMPLATE);
  const user = ctx.env.USER || userInfo().username;
  const progress = process.stderr.isTTY ? (line: string) => ctx.note(`qsub-container: ${line}`) : undefined;
  const tick = (signal: AbortSignal, dryRun = false) =>
    warmOnce({ ctx, settings, template, signal, dryRun, user, progress, refresh: args.refresh });
  const staleLockMs = settings.cache.staleLockSeconds * 1000;

  if (args.daemon) {
    // node-cron (and the daemon around it) loads only for --daemon: warm --once, from cron or by hand, never pays for it.
    const { runDaemon } = await import('../../daemon/run-daemon.js');
    await runDaemon({
      cacheDir,
      schedule: settings.warm.schedule,
      jitterSeconds: settings.warm.jitterSeconds,
      staleLockMs,
      log: ctx.log,
      now: ctx.now,
      tick: async (signal) => tick(signal),
      stopRequested: stopSignal(),
    });
    return;
  }
  // One tick, under the same single-instance lock as the daemon, so cron runs never overlap a daemon or each other.
  const controller = new AbortController();
  void stopSignal().then(() => controller.abort());
  const lock = args.dryRun
    ? undefined
    : await acquireInstanceLock(join(cacheDir, WARM_LOCK), staleLockMs, ctx.now, (owner) =>
        ctx.log.warn({ event: 'warm.stale-lock', ...owner }),
      );
  let summary: TickSummary;
  try {
    summary = await tick(controller.signal, args.dryRun);
  } finally {
    await lock?.release();
  }
  report(ctx, summary, args.json, args.dryRun);
  if (controller.signal.aborted)
    throw new QscError('warm stopped by a signal; no partial file was left', ExitCode.interrupted);
  if (!summary.ok) {
    // The first failure's own code (69 registry down, 77 credentials, 75 no space, ...), so cron mail says why.
    const first = summary.failed[0]!;
    throw new QscError(
      `warm tick failed for ${summary.failed.length} target(s) or image(s); first: ${first.what}: ${first.message}`,
      first.exitCode as ExitCodeValue,
      { hint: 'the next tick retries' },
    );
  }
}
