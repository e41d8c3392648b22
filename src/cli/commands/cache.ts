// cache ls | verify | prune (app/cache-maintenance.ts): the flags as a request, the answer as a table or --json.
import { listCache, pruneCache, verificationFailure, verifyCache } from '../../app/cache-maintenance.js';
import type { AppDeps } from '../../app/deps.js';
import { formatAge, formatSize, parseAge, parseSize } from '../../cache/units.js';
import { ConfigError, InputFileError, UsageError } from '../../errors.js';
import { stat } from '../../state/fs-async.js';
import type { CacheArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { formatTable } from '../output.js';

const short = (digest: string) => digest.slice(7, 19);

/** A cache that is not there is said so, not listed as empty: the path is most likely mistyped. */
async function requireDirectory(cacheDir: string): Promise<void> {
  const info = await stat(cacheDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (info?.isDirectory()) return;
  throw new InputFileError(`cache directory ${cacheDir} ${info ? 'is not a directory' : 'does not exist'}`, {
    hint: 'check --cache-dir, QSUB_CONTAINER_CACHE_DIR or the config\'s "cacheDir"; the first pull into a new cache (submit, warm --once) makes it',
  });
}

export async function cacheCommand(args: CacheArgs, deps: AppDeps, io: CliIo): Promise<void> {
  const settings = await deps.cluster.settings({ cacheDir: args.cacheDir });
  const cacheDir = settings.cacheDir;
  if (!cacheDir)
    throw new ConfigError('no cache directory', { hint: 'pass --cache-dir DIR or set "cacheDir" in the config' });
  await requireDirectory(cacheDir);
  if (args.action === 'ls') return listCommand(deps, io, cacheDir, args.json);
  if (args.action === 'verify') return verifyCommand(deps, io, cacheDir, args.json);

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
  const plan = await pruneCache(deps, {
    imageCacheDir: cacheDir,
    policy: { maxSizeBytes, olderThanMs },
    cache: settings.cache,
    dryRun: args.dryRun,
  });
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
    io.out(
      `${JSON.stringify({ dryRun: args.dryRun, removed: rows, kept, bytesBefore: plan.bytesBefore, bytesAfter: plan.bytesAfter, overBy: plan.overBy }, null, 2)}\n`,
    );
    return;
  }
  const verb = args.dryRun ? 'would remove' : 'removed';
  for (const r of rows)
    io.out(`${verb} ${short(r.digest)} ${r.tags.join(',') || '(no tag)'} ${formatSize(r.size)}: ${r.reason}\n`);
  for (const k of kept) io.out(`kept ${short(k.digest)} ${k.tags.join(',') || '(no tag)'}: ${k.reason}\n`);
  io.out(
    `${verb} ${rows.length} image(s); ${formatSize(plan.bytesBefore)} → ${formatSize(plan.bytesAfter)}${plan.overBy > 0 ? `, still ${formatSize(plan.overBy)} over the limit (the rest is in use or pinned)` : ''}\n`,
  );
}

async function listCommand(deps: AppDeps, io: CliIo, cacheDir: string, json: boolean): Promise<void> {
  const { inventory, inUse } = await listCache(deps, cacheDir);
  const rows = inventory.images.map((i) => ({
    image: i.sidecar?.source ?? i.tags[0] ?? null,
    tags: i.tags,
    digest: i.digest,
    size: i.size,
    lastUsed: new Date(i.lastUsed).toISOString(),
    pulledAt: i.sidecar?.pulledAt ?? null,
    pulledWith: i.sidecar?.runtime ? `${i.sidecar.runtime} ${i.sidecar.runtimeVersion ?? 'unknown'}` : null,
    cudaVersion: i.sidecar?.cudaVersion ?? null,
    inUse: inUse ? inUse.has(i.digest) : null,
  }));
  if (json) {
    io.out(`${JSON.stringify({ cacheDir, images: rows, partials: inventory.partials.map((p) => p.name) }, null, 2)}\n`);
    return;
  }
  const now = deps.now();
  io.out(
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

async function verifyCommand(deps: AppDeps, io: CliIo, cacheDir: string, json: boolean): Promise<void> {
  const results = await verifyCache(deps, cacheDir);
  if (json) io.out(`${JSON.stringify({ cacheDir, images: results }, null, 2)}\n`);
  else
    for (const r of results)
      io.out(
        `${r.ok ? 'ok' : 'BAD'} ${short(r.digest)}${r.problem ? `: ${r.problem}; moved to ${r.quarantinedAs}` : ''}\n`,
      );
  const failure = verificationFailure(results);
  if (failure) throw failure;
}
