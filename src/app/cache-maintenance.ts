// cache ls | verify | prune: what the shared cache holds, re-checking every SIF (quarantining bad ones), and LRU
// eviction that spares what queued or running jobs need.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { findImagesInUse } from '../cache/in-use.js';
import type { Inventory } from '../cache/inventory.js';
import { planPrune, type PrunePlan, type PrunePolicy } from '../cache/plan-prune.js';
import { readInventory } from '../cache/read-inventory.js';
import type { CacheSettings } from '../cache/settings.js';
import { hasSifHeader, quarantineImage, removeImage, removeTagLink } from '../cache/store.js';
import { DataError } from '../errors.js';
import { sifName } from '../image/names.js';
import type { AppDeps } from './deps.js';

export type CacheDeps = Pick<AppDeps, 'runner' | 'now' | 'log' | 'user'>;

export interface CacheListing {
  readonly inventory: Inventory;
  /** Digests queued or running jobs need; undefined when Slurm did not answer ("in use" is then unknown, not "no"). */
  readonly inUse: ReadonlySet<string> | undefined;
}

export async function listCache(deps: CacheDeps, imageCacheDir: string): Promise<CacheListing> {
  const inventory = await readInventory(imageCacheDir, { missingIsEmpty: false });
  const inUse = await findImagesInUse(deps.runner, deps.user).catch(() => undefined);
  return { inventory, inUse };
}

export interface Verified {
  readonly digest: string;
  readonly ok: boolean;
  readonly problem: string | null;
  readonly quarantinedAs: string | null;
}

/** The file's sha256, read through (verify's thorough check; a job hashes only when the recorded stat changed). */
async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every SIF re-checked (writable by its owner alone, header, recorded size and sha256, the runtime can read it); a bad
 * one is moved to quarantine. Whose files a job trusts is the job's question (job-templates/_trust.mustache).
 */
export async function verifyCache(deps: CacheDeps, imageCacheDir: string): Promise<Verified[]> {
  const inventory = await readInventory(imageCacheDir, { missingIsEmpty: false });
  const results: Verified[] = [];
  for (const image of inventory.images) {
    const path = join(imageCacheDir, sifName(image.digest));
    let problem: string | undefined;
    const mode = ((await lstat(path).catch(() => undefined))?.mode ?? 0) & 0o777;
    if (!(await hasSifHeader(path))) problem = 'no SIF header';
    else if (image.sidecar && image.sidecar.size !== image.size)
      problem = `size ${image.size} differs from the ${image.sidecar.size} recorded at pull`;
    else if (mode & 0o022) problem = `writable by others than its owner (mode ${mode.toString(8)}): no job runs it`;
    else if (image.sidecar?.sha256 && (await sha256Of(path)) !== image.sidecar.sha256)
      problem = `its sha256 is not the ${image.sidecar.sha256} recorded at publish`;
    else {
      let run = await deps.runner.run({ argv: ['apptainer', 'inspect', path], timeoutMs: 120_000 });
      if (run.code === 127) run = await deps.runner.run({ argv: ['singularity', 'inspect', path], timeoutMs: 120_000 });
      if (run.code !== 0 && run.code !== 127)
        problem = `the runtime cannot read it: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.code}`}`;
    }
    let quarantinedAs: string | null = null;
    if (problem) {
      quarantinedAs = await quarantineImage(imageCacheDir, image.digest);
      for (const ref of image.tags) await removeTagLink(imageCacheDir, ref);
      deps.log.warn({ event: 'cache.quarantined', digest: image.digest, problem, file: quarantinedAs });
    }
    results.push({ digest: image.digest, ok: !problem, problem: problem ?? null, quarantinedAs });
  }
  return results;
}

/** The error a verification with bad images ends with (after its report). */
export function verificationFailure(results: readonly Verified[]): DataError | undefined {
  const bad = results.filter((r) => !r.ok).length;
  return bad > 0
    ? new DataError(`${bad} of ${results.length} cached image(s) failed verification and were quarantined`, {
        hint: 'the next job or warm tick pulls them again',
      })
    : undefined;
}

export interface PruneRequest {
  readonly imageCacheDir: string;
  readonly policy: PrunePolicy;
  readonly cache: CacheSettings;
  readonly dryRun: boolean;
}

/** Slurm must answer first: without knowing what queued jobs need, nothing is removed. */
export async function pruneCache(deps: CacheDeps, request: PruneRequest): Promise<PrunePlan> {
  const { imageCacheDir } = request;
  const inUse = await findImagesInUse(deps.runner, deps.user);
  const plan = planPrune(
    await readInventory(imageCacheDir, { missingIsEmpty: false }),
    { inUse, pins: request.cache.pins, wanted: new Set() },
    request.policy,
    deps.now(),
  );
  if (!request.dryRun) {
    for (const { image, reason } of plan.remove) {
      await removeImage(imageCacheDir, image.digest);
      deps.log.info({ event: 'cache.evicted', digest: image.digest, tags: image.tags, bytes: image.size, reason });
    }
    for (const ref of plan.danglingLinks) await removeTagLink(imageCacheDir, ref);
  }
  return plan;
}
