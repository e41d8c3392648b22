// import: an image made elsewhere (docker save, skopeo), or pulled from a registry, becomes the cached SIF a submission
// of the same image would use: keyed by the registry's linux/amd64 manifest digest, built through the pull block.
import { resolve } from 'node:path';
import type { Settings } from '../config/resolve.js';
import { AuthError, QscError, RefusedError, UnavailableError } from '../errors.js';
import { defaultImageDir, pinImage } from '../image/names.js';
import { placeSifInCache, type PlaceDeps } from '../import/place-in-cache.js';
import { pullIntoCache, type PullVia } from '../import/pull-to-cache.js';
import { readImportSource, type ImportSource } from '../import/read-source.js';
import { PULL_TEMPLATE } from '../job/templates.js';
import { formatReference, type ImageReference } from '../registry/reference.js';
import type { AppDeps } from './deps.js';
import { pullImage } from './pull-image.js';

export type ImportDeps = Pick<AppDeps, 'runner' | 'registry' | 'log' | 'user' | 'readTemplate' | 'stateCacheDir'>;

/** Imports run on this host (the cache is on its filesystems), whatever the warmer's "pullOn" says. */
async function placeDeps(deps: ImportDeps, settings: Settings): Promise<PlaceDeps> {
  const template = await deps.readTemplate(PULL_TEMPLATE);
  const pullDeps = { ...deps, template, progress: undefined, signal: new AbortController().signal };
  return { pull: (image, imageCacheDir) => pullImage(pullDeps, settings, { image, imageCacheDir, on: 'local' }) };
}

/** Where imports go: the configured cache, else the default image directory of this user. */
const importCacheDir = (deps: ImportDeps, settings: Settings) =>
  settings.cacheDir ?? defaultImageDir(deps.stateCacheDir);

export interface FileImport {
  readonly image: string;
  readonly digest: string;
  readonly sif: string;
  readonly built: boolean;
  readonly source: { readonly kind: ImportSource['kind']; readonly path: string };
  /** How the cache key was established, for the person importing. */
  readonly checked: string;
}

/** A docker-archive, OCI archive or OCI layout at `path`, which the user says is `reference`. */
export async function importFile(
  deps: ImportDeps,
  settings: Settings,
  path: string,
  reference: ImageReference,
): Promise<FileImport> {
  const name = formatReference(reference);
  const sourcePath = resolve(path);
  const source = await readImportSource(deps.runner, sourcePath, reference.tag);

  // The cache key is the registry's linux/amd64 manifest digest for the reference, as submit computes it; the archive
  // must be that image (same config digest). Without the registry, the archive's own manifest or the reference's digest.
  let digest: string;
  let checked: string;
  try {
    const { client } = await deps.registry.client(reference.registry, settings);
    const manifest = await client.resolveManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
    if (manifest.configDigest !== source.configDigest) {
      throw new RefusedError(
        `${path} is not ${name}: its image config is ${source.configDigest}, the registry's is ${manifest.configDigest}`,
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
    deps.log.warn({ event: 'import.unverified', image: name, digest, reason: error.message });
  }
  const image = { ...pinImage(reference, digest), authFile: undefined, buildSource: source.apptainerSource };
  const placed = await placeSifInCache(await placeDeps(deps, settings), image, importCacheDir(deps, settings));
  deps.log.info({
    event: 'import.done',
    image: name,
    digest,
    sif: placed.path,
    built: placed.built,
    kind: source.kind,
  });
  return {
    image: name,
    digest,
    sif: placed.path,
    built: placed.built,
    source: { kind: source.kind, path: sourcePath },
    checked,
  };
}

/** docker://REF: resolved (and access proven) with the tool's client, then pulled by Apptainer or, failing auth, by the client. */
export async function importFromRegistry(
  deps: ImportDeps,
  settings: Settings,
  reference: ImageReference,
  via: PullVia,
): Promise<{ image: string; digest: string; sif: string; built: boolean; via: 'apptainer' | 'client' }> {
  const { client, credentials } = await deps.registry.client(reference.registry, settings);
  const { digest } = await client.resolveManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
  const authFile = await deps.registry.jobAuthFile(settings, reference.registry.host, credentials);
  const placed = await pullIntoCache(
    { ...(await placeDeps(deps, settings)), client, log: deps.log },
    { repository: reference.repository, digest, imageCacheDir: importCacheDir(deps, settings), authFile, via },
  );
  const name = formatReference(reference);
  deps.log.info({ event: 'import.done', image: name, digest, sif: placed.path, built: placed.built, via: placed.via });
  return { image: name, digest, sif: placed.path, built: placed.built, via: placed.via };
}
