// The tool's own pull: an image downloaded with the registry client into an OCI layout, every blob checked by digest.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { RegistryClient } from '../registry/client.js';
import { makeDirs } from '../state/make-dirs.js';

/** A blob digest as a path: only sha256 and 64 hex digits, so a manifest's "sha256:../../x" never becomes a path. */
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
function blobFile(dir: string, digest: string): string {
  if (!SHA256_DIGEST.test(digest))
    throw new DataError(`the manifest names a blob ${JSON.stringify(digest)}, not a sha256 digest`, {
      hint: 'the registry or a proxy sent a malformed manifest; nothing was written',
    });
  return join(dir, 'blobs', ...digest.split(':'));
}

/** Stream one blob to its file, hashing as it goes; a digest mismatch deletes it and fails (exit 65). */
async function saveBlob(client: RegistryClient, repository: string, digest: string, dir: string): Promise<number> {
  const target = blobFile(dir, digest);
  const partial = `${target}.partial`;
  const hash = createHash('sha256');
  let size = 0;
  const body = Readable.fromWeb((await client.openBlob(repository, digest)) as Parameters<typeof Readable.fromWeb>[0]);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(body, createWriteStream(partial, { mode: 0o644, flags: 'wx' }));
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) {
    await rm(partial, { force: true });
    throw new DataError(`blob ${digest} of ${repository} arrived with digest ${actual}`, {
      hint: 'the registry or a proxy altered it; retry, and report it if it persists',
    });
  }
  await rename(partial, target);
  return size;
}

/** Write `repository@digest` (an image manifest, linux/amd64 already chosen) as an OCI image layout in `dir`. */
export async function downloadToLayout(
  client: RegistryClient,
  repository: string,
  digest: string,
  dir: string,
  log: Logger,
): Promise<void> {
  await makeDirs(join(dir, 'blobs', 'sha256'));
  const { text, mediaType } = await client.readManifest(repository, digest);
  const manifest = JSON.parse(text) as { config?: { digest?: string }; layers?: Array<{ digest: string }> };
  if (!manifest.config?.digest || !manifest.layers)
    throw new DataError(`manifest ${digest} of ${repository} is not an image manifest`);
  const blobs = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  blobs.forEach((blob) => blobFile(dir, blob)); // every name checked before a byte is written
  let bytes = 0;
  for (const blob of blobs) bytes += await saveBlob(client, repository, blob, dir);
  await writeFile(blobFile(dir, digest), text);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  await writeFile(
    join(dir, 'index.json'),
    `${JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType, digest, size: Buffer.byteLength(text) }] })}\n`,
  );
  log.info({ event: 'image.downloaded', repository, digest, layers: manifest.layers.length, bytes });
}
