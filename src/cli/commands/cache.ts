// cache ls | verify | prune: what the shared cache holds, re-checking every SIF, and LRU eviction that spares what jobs need.
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { findImagesInUse } from '../../cache/in-use.js';
import { planPrune } from '../../cache/plan-prune.js';
import { readInventory } from '../../cache/read-inventory.js';
import { hasSifHeader, quarantineImage, removeImage, removeTagLink } from '../../cache/store.js';
import { formatAge, formatSize, parseAge, parseSize } from '../../cache/units.js';
import { sifName } from '../../image/names.js';
import { ConfigError, DataError, UsageError } from '../../errors.js';
import type { CacheArgs } from '../args.js';
import type { Context } from '../context.js';
import { formatTable } from '../output.js';
import { settingsFor } from '../shared.js';

const short = (digest: string) => digest.slice(7, 19);

export async function cacheCommand(args: CacheArgs, ctx: Context): Promise<void> {
  // The cache lives on the cluster's filesystems: run this where it is, not over SSH from elsewhere.
  const settings = await settingsFor(ctx, { cacheDir: args.cacheDir });
  const cacheDir = settings.cacheDir;
  if (!cacheDir)
    throw new ConfigError('no cache directory', { hint: 'pass --cache-dir DIR or set "cacheDir" in the config' });
  const user = ctx.env.USER || userInfo().username;
  if (args.action === 'ls') return listCache(ctx, cacheDir, user, args.json);
  if (args.action === 'verify') return verifyCache(ctx, cacheDir, args.json);

  const maxSizeBytes = args.maxSize === undefined ? settings.cache.maxSizeBytes : parseSize(args.maxSize);
  const olderThanMs = args.olderThan === undefined ? settings.cache.olderThanMs : parseAge(args.olderThan);
  if (maxSizeBytes === undefined && args.maxSize !== undefined)
    throw new UsageError(`malformed --max-size ${JSON.stringify(args.maxSize)}`, {
      hint: 'give a size such as 500G or 1.5T',
    });
  if (olderThanMs === undefined && args.olderThan !== undefined)
    throw new UsageError(`malformed --older-than ${JSON.stringify(args.olderThan)}`, {
      hint: 'give an age such as 30d or 12h',
    });
  if (maxSizeBytes === undefined && olderThanMs === undefined)
    throw new UsageError('prune needs a policy', {
      hint: 'pass --max-size S and/or --older-than D, or set "cache": {"maxSize", "olderThan"} in the config',
    });
  // Slurm must answer first: without knowing what queued jobs need, nothing is removed.
  const inUse = await findImagesInUse(ctx.runner, user);
  const plan = planPrune(
    await readInventory(cacheDir),
    { inUse, pins: settings.cache.pins, wanted: new Set() },
    { maxSizeBytes, olderThanMs },
    ctx.now(),
  );
  if (!args.dryRun) {
    for (const { image, reason } of plan.remove) {
      await removeImage(cacheDir, image.digest);
      ctx.log.info({ event: 'cache.evicted', digest: image.digest, tags: image.tags, bytes: image.size, reason });
    }
    for (const ref of plan.danglingLinks) await removeTagLink(cacheDir, ref);
  }
  const rows = plan.remove.map(({ image, reason }) => ({
    digest: image.digest,
    tags: image.tags,
    size: image.size,
    reason,
  }));
  const kept = plan.keep
    .filter((k) => k.reason !== 'within-policy')
    .map(({ image, reason }) => ({ digest: image.digest, tags: image.tags, reason }));
  if (args.json) {
    ctx.out(
      `${JSON.stringify({ dryRun: args.dryRun, removed: rows, kept, bytesBefore: plan.bytesBefore, bytesAfter: plan.bytesAfter, overBy: plan.overBy }, null, 2)}\n`,
    );
    return;
  }
  const verb = args.dryRun ? 'would remove' : 'removed';
  for (const r of rows)
    ctx.out(`${verb} ${short(r.digest)} ${r.tags.join(',') || '(no tag)'} ${formatSize(r.size)}: ${r.reason}\n`);
  for (const k of kept) ctx.out(`kept ${short(k.digest)} ${k.tags.join(',') || '(no tag)'}: ${k.reason}\n`);
  ctx.out(
    `${verb} ${rows.length} image(s); ${formatSize(plan.bytesBefore)} → ${formatSize(plan.bytesAfter)}${plan.overBy > 0 ? `, still ${formatSize(plan.overBy)} over the limit (the rest is in use or pinned)` : ''}\n`,
  );
}

async function listCache(ctx: Context, cacheDir: string, user: string, json: boolean): Promise<void> {
  const inventory = await readInventory(cacheDir);
  // ls still works when Slurm does not answer: "in use" is then unknown, not "no".
  const inUse = await findImagesInUse(ctx.runner, user).catch(() => undefined);
  const rows = inventory.images.map((i) => ({
    image: i.sidecar?.source ?? i.tags[0] ?? null,
    tags: i.tags,
    digest: i.digest,
    size: i.size,
    lastUsed: new Date(i.lastUsed).toISOString(),
    pulledAt: i.sidecar?.pulledAt ?? null,
    cudaVersion: i.sidecar?.cudaVersion ?? null,
    inUse: inUse ? inUse.has(i.digest) : null,
  }));
  if (json) {
    ctx.out(
      `${JSON.stringify({ cacheDir, images: rows, partials: inventory.partials.map((p) => p.name) }, null, 2)}\n`,
    );
    return;
  }
  const now = ctx.now();
  ctx.out(
    formatTable(
      ['IMAGE', 'TAGS', 'DIGEST', 'SIZE', 'LAST USED', 'IN USE'],
      rows.map((r, n) => [
        r.image ?? '(unknown)',
        r.tags.map((t) => t.slice(t.lastIndexOf(':') + 1)).join(',') || '-',
        short(r.digest),
        formatSize(r.size),
        formatAge(now - inventory.images[n]!.lastUsed),
        r.inUse === null ? '?' : r.inUse ? 'yes' : 'no',
      ]),
    ),
  );
}

async function verifyCache(ctx: Context, cacheDir: string, json: boolean): Promise<void> {
  const inventory = await readInventory(cacheDir);
  const results: { digest: string; ok: boolean; problem: string | null; quarantinedAs: string | null }[] = [];
  for (const image of inventory.images) {
    const path = join(cacheDir, sifName(image.digest));
    let problem: string | undefined;
    if (!(await hasSifHeader(path))) problem = 'no SIF header';
    else if (image.sidecar && image.sidecar.size !== image.size)
      problem = `size ${image.size} differs from the ${image.sidecar.size} recorded at pull`;
    else {
      let run = await ctx.runner.run({ argv: ['apptainer', 'inspect', path], timeoutMs: 120_000 });
      if (run.code === 127) run = await ctx.runner.run({ argv: ['singularity', 'inspect', path], timeoutMs: 120_000 });
      if (run.code !== 0 && run.code !== 127)
        problem = `the runtime cannot read it: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.code}`}`;
    }
    let quarantinedAs: string | null = null;
    if (problem) {
      quarantinedAs = await quarantineImage(cacheDir, image.digest);
      for (const ref of image.tags) await removeTagLink(cacheDir, ref);
      ctx.log.warn({ event: 'cache.quarantined', digest: image.digest, problem, file: quarantinedAs });
    }
    results.push({ digest: image.digest, ok: !problem, problem: problem ?? null, quarantinedAs });
  }
  if (json) ctx.out(`${JSON.stringify({ cacheDir, images: results }, null, 2)}\n`);
  else
    for (const r of results)
      ctx.out(
        `${r.ok ? 'ok' : 'BAD'} ${short(r.digest)}${r.problem ? `: ${r.problem}; moved to ${r.quarantinedAs}` : ''}\n`,
      );
  const bad = results.filter((r) => !r.ok).length;
  if (bad > 0)
    throw new DataError(`${bad} of ${results.length} cached image(s) failed verification and were quarantined`, {
      hint: 'the next job or warm tick pulls them again',
    });
}
