// Read what an image archive or OCI layout is (its manifest and config digests), verifying the bytes against their digests.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, InputFileError, UsageError } from '../errors.js';
import type { Runner } from '../transport/runner.js';
import { apptainerSource, archiveKind, dockerArchiveConfig, pickManifest, type SourceKind } from './archive.js';

export interface ImportSource {
  readonly kind: SourceKind;
  /** What `apptainer build` is given, e.g. docker-archive:/abs/path.tar. */
  readonly apptainerSource: string;
  /** The image manifest's digest (OCI sources only: docker save keeps no manifest). */
  readonly manifestDigest: string | undefined;
  readonly configDigest: string;
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const blobPath = (digest: string) => `blobs/${digest.replace(':', '/')}`;

export async function readImportSource(runner: Runner, path: string, tag: string | undefined): Promise<ImportSource> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'no such file or directory';
    throw new InputFileError(`cannot read ${path}: ${why}`, {
      hint: 'give a docker-archive tar (docker save), an OCI archive tar or an OCI layout directory',
    });
  }
  const member = async (name: string): Promise<string> => {
    if (isDirectory) return readFile(join(path, name), 'utf8').catch(() => Promise.reject(missing(name)));
    const result = await runner.run({ argv: ['tar', '-xOf', path, name], timeoutMs: 300_000 });
    if (result.code !== 0) throw missing(name);
    return result.stdout;
  };
  const missing = (name: string) =>
    new DataError(`${path} has no ${name}`, { hint: 'the archive or layout is incomplete; export it again' });
  const json = async (name: string): Promise<unknown> => {
    const text = await member(name);
    try {
      return JSON.parse(text);
    } catch {
      throw new DataError(`${path}: ${name} is not JSON`, {
        hint: 'the archive or layout is damaged; export it again',
      });
    }
  };

  const kind = isDirectory
    ? ((await stat(join(path, 'oci-layout')).then(
        () => 'oci-layout' as const,
        () => undefined,
      )) ?? 'unknown')
    : await tarKind(runner, path);
  if (kind === 'unknown') {
    throw new UsageError(`${path} is neither a docker-archive, an OCI archive nor an OCI layout`, {
      hint: 'make one with: docker save IMAGE -o image.tar, or skopeo copy docker://IMAGE oci:DIR / oci-archive:FILE / docker-archive:FILE',
    });
  }
  if (kind === 'docker-archive') {
    const config = dockerArchiveConfig(await json('manifest.json'));
    if (typeof config !== 'string') throw new DataError(`${path}: ${config.error}`);
    return {
      kind,
      apptainerSource: apptainerSource(kind, path),
      manifestDigest: undefined,
      configDigest: sha256(await member(config)),
    };
  }
  // OCI: index.json → (nested index →) image manifest, each blob checked against its digest.
  let picked = pickManifest((await json('index.json')) as never, tag);
  const verifiedBlob = async (digest: string) => {
    const text = await member(blobPath(digest));
    if (sha256(text) !== digest)
      throw new DataError(`${path}: blob ${digest} does not match its digest`, {
        hint: 'the layout is damaged; export it again',
      });
    return JSON.parse(text) as { manifests?: never; config?: { digest?: string } };
  };
  if ('digest' in picked && picked.isIndex) picked = pickManifest(await verifiedBlob(picked.digest), undefined);
  if ('error' in picked)
    throw new UsageError(`${path}: ${picked.error}`, {
      hint: 'name the image with --as REF:TAG matching its ref.name annotation',
    });
  const manifest = await verifiedBlob(picked.digest);
  if (!manifest.config?.digest) throw new DataError(`${path}: manifest ${picked.digest} names no config`);
  return {
    kind,
    apptainerSource: apptainerSource(kind, path),
    manifestDigest: picked.digest,
    configDigest: manifest.config.digest,
  };
}

async function tarKind(runner: Runner, path: string): Promise<SourceKind | 'unknown'> {
  const listing = await runner.run({ argv: ['tar', '-tf', path], timeoutMs: 300_000 });
  return listing.code === 0 ? (archiveKind(listing.stdout.split('\n').filter(Boolean)) ?? 'unknown') : 'unknown';
}
