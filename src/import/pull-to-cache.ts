// Pull a registry image into the SIF cache: Apptainer's own pull first; when the registry refuses Apptainer but the tool's
// client got through, download with the client into an OCI layout (blobs checked by digest) and build the SIF from that.
import { mkdtemp, rm } from 'node:fs/promises';
import { QscError } from '../errors.js';
import { pinImage } from '../image/names.js';
import type { Logger } from '../log/types.js';
import type { RegistryClient } from '../registry/client.js';
import { downloadToLayout } from './download-layout.js';
import { placeSifInCache, type PlaceDeps } from './place-in-cache.js';
import { isAuthFailure } from './pull-failure.js';

export type PullVia = 'auto' | 'apptainer' | 'client';
export const PULL_VIAS: readonly PullVia[] = ['auto', 'apptainer', 'client'];

export interface PullRequest {
  readonly repository: string;
  /** linux/amd64 image manifest digest, already resolved (and readable) with the client. */
  readonly digest: string;
  readonly imageCacheDir: string;
  /** 0600 auth file for Apptainer, undefined for anonymous pulls. */
  readonly authFile: string | undefined;
  readonly via: PullVia;
}

export async function pullIntoCache(
  deps: PlaceDeps & { readonly client: RegistryClient; readonly log: Logger },
  request: PullRequest,
) {
  const { endpoint } = deps.client;
  const image = {
    ...pinImage({ registry: endpoint, repository: request.repository }, request.digest),
    authFile: request.authFile,
  };
  if (request.via !== 'client') {
    try {
      const placed = await placeSifInCache(deps, image, request.imageCacheDir);
      return { ...placed, via: 'apptainer' as const };
    } catch (error) {
      const stderr = ((error as QscError).cause as { stderr?: string } | undefined)?.stderr ?? '';
      if (request.via === 'apptainer' || !isAuthFailure(stderr)) throw error;
      deps.log.warn({
        event: 'pull.fallback',
        registry: endpoint.host,
        repository: request.repository,
        reason: (error as Error).message,
      });
    }
  }
  // Next to the cache (same filesystem, room for a big image), named so nothing mistakes it for a cache entry; a fresh
  // 0700 directory (mkdtemp), so no other user of the cache can plant, swap or read a blob between its digest check
  // and the build.
  const layout = await mkdtemp(`${request.imageCacheDir}/.download-${request.digest.replace(':', '-')}-`);
  try {
    await downloadToLayout(deps.client, request.repository, request.digest, layout, deps.log);
    const placed = await placeSifInCache(deps, { ...image, buildSource: `oci:${layout}` }, request.imageCacheDir);
    return { ...placed, via: 'client' as const };
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}
