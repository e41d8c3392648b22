// import: turn an image made elsewhere (docker save, skopeo), or pulled from a registry, into the cached SIF submit would use.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { defaultImageDir, pinImage } from '../../image/names.js';
import { AuthError, QscError, RefusedError, UnavailableError, UsageError } from '../../errors.js';
import { placeSifInCache } from '../../import/place-in-cache.js';
import { pullIntoCache, type PullVia } from '../../import/pull-to-cache.js';
import { readImportSource } from '../../import/read-source.js';
import { authFileForJob } from '../../registry/credentials.js';
import { formatReference, parseImageReference } from '../../registry/reference.js';
import type { Settings } from '../../config/resolve.js';
import type { ImportArgs } from '../args.js';
import type { Context } from '../context.js';
import { registryClientFor, settingsFor } from '../shared.js';
import { JOB_TEMPLATE } from './submit.js';

const VIA: readonly PullVia[] = ['auto', 'apptainer', 'client'];

const placeDeps = async (ctx: Context, settings: Settings) => ({
  runner: ctx.runner,
  template: await ctx.readTemplate(JOB_TEMPLATE),
  settings,
  log: ctx.log,
  user: ctx.env.USER || userInfo().username,
});

const defaultCacheDir = (ctx: Context, settings: Settings) =>
  settings.cacheDir ?? defaultImageDir(ctx.paths.stateCacheDir);

export async function importCommand(args: ImportArgs, ctx: Context): Promise<void> {
  const settings = await settingsFor(ctx, { cacheDir: args.cacheDir });
  if (args.source.startsWith('docker://')) return importFromRegistry(args, ctx, settings);
  if (args.as === undefined)
    throw new UsageError('import of a file needs --as IMAGE-REF', {
      hint: 'say which image it is, e.g. --as nvcr.io/nvidia/pytorch:24.10-py3',
    });
  const reference = parseImageReference(args.as);
  const name = formatReference(reference);
  const sourcePath = resolve(args.source);
  const source = await readImportSource(ctx.runner, sourcePath, reference.tag);

  // The cache key is the registry's linux/amd64 manifest digest for the reference, as submit computes it; the archive
  // must be that image (same config digest). Without the registry, the archive's own manifest or the reference's digest.
  let digest: string;
  let checked: string;
  try {
    const { client } = await registryClientFor(ctx, settings, reference.registry);
    const manifest = await client.resolveManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
    if (manifest.configDigest !== source.configDigest) {
      throw new RefusedError(
        `${args.source} is not ${name}: its image config is ${source.configDigest}, the registry's is ${manifest.configDigest}`,
        {
          hint: 'import the archive of exactly that image, or name the image it is with --as',
        },
      );
    }
    digest = manifest.digest;
    checked = `its config matches ${name} in the registry`;
  } catch (error) {
    if (!(error instanceof AuthError || error instanceof UnavailableError)) throw error;
    const offline = source.manifestDigest ?? reference.digest;
    if (!offline || (reference.digest && source.manifestDigest && reference.digest !== source.manifestDigest)) {
      throw new QscError(`${error.message}, and the cache key for ${name} cannot be known without it`, error.exitCode, {
        hint: reference.digest
          ? `the archive's manifest is ${source.manifestDigest}, not ${reference.digest}`
          : `name the image by digest (--as ${formatReference({ ...reference, tag: undefined, digest: 'sha256:<digest>' })}) or import an OCI layout`,
        cause: error,
      });
    }
    digest = offline;
    checked = source.manifestDigest
      ? `the registry was not usable (${error.message}); keyed by the archive's manifest digest`
      : `the registry was not usable (${error.message}); keyed by the digest in --as, unverified`;
    ctx.log.warn({ event: 'import.unverified', image: name, digest, reason: error.message });
  }
  const pinned = pinImage(reference, digest);
  const placed = await placeSifInCache(await placeDeps(ctx, settings), {
    cacheDir: defaultCacheDir(ctx, settings),
    digest,
    ref: pinned.displayRef,
    pullRef: pinned.pullRef,
    noHttps: pinned.noHttps,
    authFile: undefined,
    buildSource: source.apptainerSource,
  });
  ctx.log.info({ event: 'import.done', image: name, digest, sif: placed.path, built: placed.built, kind: source.kind });
  if (args.json) {
    ctx.out(
      `${JSON.stringify({ image: name, digest, sif: placed.path, built: placed.built, source: { kind: source.kind, path: sourcePath }, checked }, null, 2)}\n`,
    );
    return;
  }
  ctx.note(`qsub-container: ${checked}`);
  ctx.out(`${placed.built ? 'imported' : 'already cached'}: ${name} (${digest}) → ${placed.path}\n`);
}

/** docker://REF: resolved (and access proven) with the tool's client, then pulled by Apptainer or, failing auth, by the client. */
async function importFromRegistry(args: ImportArgs, ctx: Context, settings: Settings): Promise<void> {
  const reference = parseImageReference(args.source.slice('docker://'.length));
  if (args.as !== undefined && formatReference(parseImageReference(args.as)) !== formatReference(reference)) {
    throw new UsageError('--as names another image than the docker:// source', {
      hint: 'leave --as out when importing from a registry',
    });
  }
  if (!VIA.includes(args.via as PullVia))
    throw new UsageError(`--via must be one of ${VIA.join(', ')}`, { hint: 'auto tries Apptainer, then the tool' });
  const { client, credentials } = await registryClientFor(ctx, settings, reference.registry);
  const { digest } = await client.resolveManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
  const authFile = credentials
    ? await authFileForJob(credentials, reference.registry.host, ctx.paths.configDir)
    : undefined;
  const placed = await pullIntoCache(
    { ...(await placeDeps(ctx, settings)), client },
    {
      repository: reference.repository,
      digest,
      cacheDir: defaultCacheDir(ctx, settings),
      authFile,
      via: args.via as PullVia,
    },
  );
  const name = formatReference(reference);
  ctx.log.info({ event: 'import.done', image: name, digest, sif: placed.path, built: placed.built, via: placed.via });
  if (args.json)
    ctx.out(
      `${JSON.stringify({ image: name, digest, sif: placed.path, built: placed.built, via: placed.via }, null, 2)}\n`,
    );
  else ctx.out(`${placed.built ? `pulled (${placed.via})` : 'already cached'}: ${name} (${digest}) → ${placed.path}\n`);
}
