// import: turn an image made elsewhere (docker save, skopeo) into the cached SIF the submit path would use for that image.
import { join, resolve } from 'node:path';
import { AuthError, QscError, RefusedError, UnavailableError } from '../../errors.js';
import { placeSifInCache } from '../../import/place-in-cache.js';
import { readImportSource } from '../../import/read-source.js';
import { formatReference, parseImageReference } from '../../registry/reference.js';
import type { ImportArgs } from '../build-cli.js';
import type { Context } from '../context.js';
import { registryClientFor, settingsFor } from '../shared.js';

export async function importCommand(args: ImportArgs, ctx: Context): Promise<void> {
  const reference = parseImageReference(args.as);
  const name = formatReference(reference);
  const settings = await settingsFor(ctx, { cacheDir: args.cacheDir });
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
      throw new RefusedError(`${args.source} is not ${name}: its image config is ${source.configDigest}, the registry's is ${manifest.configDigest}`, {
        hint: 'import the archive of exactly that image, or name the image it is with --as',
      });
    }
    digest = manifest.digest;
    checked = `its config matches ${name} in the registry`;
  } catch (error) {
    if (!(error instanceof AuthError || error instanceof UnavailableError)) throw error;
    const offline = source.manifestDigest ?? reference.digest;
    if (!offline || (reference.digest && source.manifestDigest && reference.digest !== source.manifestDigest)) {
      throw new QscError(`${error.message}, and the cache key for ${name} cannot be known without it`, error.exitCode, {
        hint: reference.digest ? `the archive's manifest is ${source.manifestDigest}, not ${reference.digest}` : `name the image by digest (--as ${formatReference({ ...reference, tag: undefined, digest: 'sha256:<digest>' })}) or import an OCI layout`,
        cause: error,
      });
    }
    digest = offline;
    checked = source.manifestDigest ? `the registry was not usable (${error.message}); keyed by the archive's manifest digest` : `the registry was not usable (${error.message}); keyed by the digest in --as, unverified`;
    ctx.log.warn({ event: 'import.unverified', image: name, digest, reason: error.message });
  }
  const cacheDir = settings.cacheDir ?? join(ctx.env.XDG_CACHE_HOME || join(ctx.env.HOME ?? '', '.cache'), 'qsub-container', 'images');
  const placed = await placeSifInCache(ctx.runner, cacheDir, digest, source.apptainerSource);
  ctx.log.info({ event: 'import.done', image: name, digest, sif: placed.path, built: placed.built, kind: source.kind });
  if (args.json) {
    ctx.out(`${JSON.stringify({ image: name, digest, sif: placed.path, built: placed.built, source: { kind: source.kind, path: sourcePath }, checked }, null, 2)}\n`);
    return;
  }
  ctx.note(`qsub-container: ${checked}`);
  ctx.out(`${placed.built ? 'imported' : 'already cached'}: ${name} (${digest}) → ${placed.path}\n`);
}
