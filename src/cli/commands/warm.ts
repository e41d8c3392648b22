// warm: keep the shared cache current for the site's targets, once (cron, systemd timer) or as a daemon
// (daemon/warmer.ts); prints what a tick did, and exits with its first failure's code.
import type { AppDeps } from '../../app/deps.js';
import type { TickSummary } from '../../app/warm-tick.js';
import { runWarmer } from '../../daemon/warmer.js';
import { ExitCode, QscError, type ExitCodeValue } from '../../errors.js';
import type { WarmArgs } from '../args.js';
import type { CliIo } from '../io.js';

/** What the warmer works on: the cache directory, and the config files it was read from. */
interface Subject {
  readonly cacheDir: string | undefined;
  readonly configFiles: readonly string[];
}

const describeSubject = ({ cacheDir, configFiles }: Subject) =>
  `cache directory ${cacheDir ?? '(none)'} (config files: ${configFiles.join(', ') || 'none'})`;

function report(io: CliIo, summary: TickSummary, subject: Subject, json: boolean, dryRun: boolean): void {
  if (json) {
    const plan = summary.plan && {
      pulls: summary.plan.pulls.map((p) => ({ image: p.displayRef, digest: p.digest, wantedBy: p.wantedBy })),
      links: summary.plan.links,
      cached: summary.plan.cached.map((p) => ({ image: p.displayRef, digest: p.digest, wantedBy: p.wantedBy })),
      evict:
        summary.plan.prune?.remove.map((r) => ({ digest: r.image.digest, tags: r.image.tags, reason: r.reason })) ?? [],
    };
    io.out(`${JSON.stringify({ ...subject, ...summary, plan }, null, 2)}\n`);
    return;
  }
  if (dryRun && summary.plan) {
    for (const p of summary.plan.pulls)
      io.out(`would pull ${p.displayRef} ${p.digest} (for ${p.wantedBy.join(', ')})\n`);
    for (const p of summary.plan.cached) io.out(`cached ${p.displayRef} ${p.digest} (for ${p.wantedBy.join(', ')})\n`);
  } else {
    for (const ref of summary.pulled) io.out(`pulled ${ref}\n`);
    for (const ref of summary.cached) io.out(`cached ${ref}\n`);
    for (const digest of summary.evicted) io.out(`evicted ${digest}\n`);
  }
  for (const f of summary.failed) io.note(`qsub-container: warm: ${f.what}: ${f.message}`);
}

export async function warmCommand(args: WarmArgs, deps: AppDeps, io: CliIo): Promise<void> {
  // The site config, the environment and the flags; a user config only when $QSUB_CONTAINER_CONFIG names one: a
  // warmer account that is also a user must not warm its own ~/.config cacheDir for the site's (README: warmer).
  const settings = await deps.cluster.settings({ cacheDir: args.cacheDir }, 'named');
  const subject = { cacheDir: settings.cacheDir, configFiles: settings.configFiles };
  if (!args.json && subject.cacheDir) io.out(`${describeSubject(subject)}\n`);
  const outcome = await runWarmer(deps, { settings, daemon: args.daemon, dryRun: args.dryRun, refresh: args.refresh });
  if (!outcome) return;
  const { summary } = outcome;
  report(io, summary, subject, args.json, args.dryRun);
  if (outcome.stopped) throw new QscError('warm stopped by a signal; no partial file was left', ExitCode.interrupted);
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
