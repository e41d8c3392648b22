// One warm tick: resolve the targets, read the cache, plan (pure), then pull in parallel (bounded), link tags, prune.
import type { Settings } from '../config/resolve.js';
import { ConfigError, exitCodeFor, formatErrorLine } from '../errors.js';
import { findImagesInUse } from '../cache/in-use.js';
import { planWarm, type DesiredImage, type WarmPlan } from '../cache/plan-warm.js';
import { readInventory } from '../cache/read-inventory.js';
import type { WarmTarget } from '../cache/settings.js';
import { removeImage, removePartial, removeTagLink, writeTagLink } from '../cache/store.js';
import { referenceNotes } from '../image/reference-notes.js';
import { parseImageReference } from '../registry/reference.js';
import type { Template } from '../templates/render.js';
import type { AppDeps } from './deps.js';
import { pullImage } from './pull-image.js';
import { resolveTargets } from './resolve-targets.js';

export type WarmDeps = Pick<
  AppDeps,
  'runner' | 'registry' | 'now' | 'log' | 'note' | 'progress' | 'signal' | 'stateCacheDir' | 'user' | 'driverMap'
>;

export interface WarmRequest {
  /** Settings whose cacheDir and targets warmableCacheDir() accepts. */
  readonly settings: Settings;
  /** The pull script's template (job/templates.ts: PULL_TEMPLATE). */
  readonly template: Template;
  /** Plan only: pull, link and remove nothing. */
  readonly dryRun: boolean;
  /** Re-probe drivers this tick instead of trusting cached answers. */
  readonly refresh: boolean;
}

/** What a warmer needs to do anything, checked once before the first tick: a cache directory and targets. */
export function warmableCacheDir(settings: Settings): string {
  if (!settings.cacheDir)
    throw new ConfigError('warm needs a cache directory', {
      hint: 'pass --cache-dir DIR or set "cacheDir" in the site config (warm reads no personal config unless QSUB_CONTAINER_CONFIG names one)',
    });
  if (settings.warm.targets.length === 0)
    throw new ConfigError('warm has no targets', {
      hint: 'set "warm": {"targets": [{"framework": "pytorch", "partitions": ["gengpu"]}]} in the site config',
    });
  return settings.cacheDir;
}

/**
 * What submit says of a reference it reads (image/reference-notes.ts), for the image targets: one naming no registry is
 * Docker Hub's, whatever "registry" the config names. Said once per target when the warmer starts, not every tick; a
 * target that does not parse is left to the tick, which reports it as failed.
 */
export function warmTargetNotes(targets: readonly WarmTarget[]): string[] {
  const notes = targets.flatMap((target) => {
    if (target.kind !== 'image') return [];
    try {
      return referenceNotes(target.image, parseImageReference(target.image));
    } catch {
      return [];
    }
  });
  return [...new Set(notes)];
}

export interface TickSummary {
  readonly ok: boolean;
  readonly plan: WarmPlan | undefined;
  readonly pulled: readonly string[];
  readonly cached: readonly string[];
  readonly linked: readonly string[];
  readonly evicted: readonly string[];
  readonly failed: readonly { readonly what: string; readonly message: string; readonly exitCode: number }[];
  readonly seconds: number;
}

const message = (error: unknown) => formatErrorLine(error).replace(/^qsub-container: /, '');

/** Run `work` over items, at most `limit` at once, stopping new work once `signal` aborts. */
async function eachBounded<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function warmTick(deps: WarmDeps, request: WarmRequest): Promise<TickSummary> {
  const { settings } = request;
  const started = deps.now();
  const cacheDir = warmableCacheDir(settings);
  const failed: { what: string; message: string; exitCode: number }[] = [];
  const fail = (what: string, error: unknown) => {
    failed.push({ what, message: message(error), exitCode: exitCodeFor(error) });
    deps.log.error({ event: 'warm.failed', what, error: message(error) });
  };

  // Registry requests stop with the tick too, so SIGTERM during target resolution does not wait out HTTP timeouts.
  const registry = deps.registry.stoppedBy(deps.signal);
  const resolved = await resolveTargets({ ...deps, registry }, settings, settings.warm.targets, request.refresh);
  for (const e of resolved.errors) fail(e.target, e.error);
  const inventory = await readInventory(cacheDir);
  const policy = settings.cache;
  const prunes = settings.warm.prune && (policy.maxSizeBytes !== undefined || policy.olderThanMs !== undefined);
  let inUse: Set<string> | undefined;
  if (prunes && !request.dryRun) {
    inUse = await findImagesInUse(deps.runner, deps.user).catch((error: unknown) => {
      fail('prune', error);
      return undefined;
    });
  }
  const plan = planWarm(resolved.desired, inventory, deps.now(), {
    prune: inUse && prunes ? { maxSizeBytes: policy.maxSizeBytes, olderThanMs: policy.olderThanMs } : undefined,
    inUse: inUse ?? new Set(),
    pins: policy.pins,
    stalePartialMs: 6 * 3_600_000,
  });
  const summary = (pulled: string[], linked: string[], evicted: string[]): TickSummary => ({
    ok: failed.length === 0,
    plan,
    pulled,
    cached: plan.cached.map((d) => d.displayRef),
    linked,
    evicted,
    failed,
    seconds: (deps.now() - started) / 1000,
  });
  if (request.dryRun) return summary([], [], []);

  for (const name of plan.stalePartials) {
    await removePartial(cacheDir, name);
    deps.log.info({ event: 'cache.partial-removed', file: name });
  }
  const pulled: string[] = [];
  const pulledDigests = new Set<string>();
  await eachBounded(plan.pulls, settings.warm.parallelism, deps.signal, async (image: DesiredImage) => {
    deps.log.info({ event: 'cache.pull', image: image.displayRef, digest: image.digest, wantedBy: image.wantedBy });
    try {
      const { seconds } = await pullImage({ ...deps, template: request.template }, settings, {
        image,
        imageCacheDir: cacheDir,
        on: settings.warm.pullOn,
      });
      pulled.push(image.displayRef);
      pulledDigests.add(image.digest);
      deps.log.info({
        event: 'cache.pulled',
        image: image.displayRef,
        digest: image.digest,
        seconds: Math.round(seconds * 10) / 10,
      });
    } catch (error) {
      fail(image.displayRef, error);
    }
  });
  const linked: string[] = [];
  const present = new Set([...plan.cached.map((d) => d.digest), ...pulledDigests]);
  for (const link of plan.links.filter((l) => present.has(l.digest))) {
    await writeTagLink(cacheDir, link.ref, link.digest);
    linked.push(link.ref);
    deps.log.info({ event: 'cache.linked', image: link.ref, digest: link.digest });
  }
  const evicted: string[] = [];
  if (plan.prune && !deps.signal.aborted) {
    for (const { image, reason } of plan.prune.remove) {
      await removeImage(cacheDir, image.digest);
      evicted.push(image.digest);
      deps.log.info({ event: 'cache.evicted', digest: image.digest, tags: image.tags, bytes: image.size, reason });
    }
    for (const ref of plan.prune.danglingLinks) await removeTagLink(cacheDir, ref);
  }
  const result = summary(pulled, linked, evicted);
  deps.log.info({
    event: 'warm.tick',
    ok: result.ok,
    pulled: pulled.length,
    cached: result.cached.length,
    linked: linked.length,
    evicted: evicted.length,
    failed: failed.length,
    seconds: result.seconds,
  });
  return result;
}
