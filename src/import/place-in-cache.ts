// The one place import writes the SIF cache: through the cache protocol's own pull block (src/cache/pull.ts), so an
// import, a job and the warmer share one lock, one verification, one sidecar and one atomic publish per digest.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sifName } from '../image/names.js';
import { pullImage } from '../cache/pull.js';
import type { Settings } from '../config/resolve.js';
import type { Logger } from '../log/types.js';
import type { Runner } from '../transport/runner.js';

export interface PlaceDeps {
  readonly runner: Runner;
  readonly template: string;
  readonly settings: Settings;
  readonly log: Logger;
  readonly user: string;
}

export interface PlaceRequest {
  readonly cacheDir: string;
  readonly digest: string;
  /** host/repository:tag, recorded in the sidecar. */
  readonly ref: string;
  /** docker://host/repository@digest: what a pull fetches when there is no buildSource. */
  readonly pullRef: string;
  readonly noHttps: boolean;
  readonly authFile: string | undefined;
  /** docker-archive:/x.tar, oci:/dir or oci-archive:/x.tar: build from this instead of pulling. */
  readonly buildSource?: string | undefined;
}

/** Put `<cacheDir>/sha256-<hex>.sif` in place unless it is there; `built` says whether this call made it. */
export async function placeSifInCache(
  deps: PlaceDeps,
  request: PlaceRequest,
): Promise<{ path: string; built: boolean }> {
  const path = join(request.cacheDir, sifName(request.digest));
  if (((await stat(path).catch(() => undefined))?.size ?? 0) > 0) return { path, built: false };
  // An import runs on this host, whatever the warmer's pullOn says.
  const settings: Settings = { ...deps.settings, warm: { ...deps.settings.warm, pullOn: 'local' } };
  await pullImage(
    {
      runner: deps.runner,
      template: deps.template,
      log: deps.log,
      progress: undefined,
      signal: new AbortController().signal,
      user: deps.user,
    },
    settings,
    {
      image: {
        ref: request.ref,
        digest: request.digest,
        pullRef: request.pullRef,
        noHttps: request.noHttps,
        cudaVersion: undefined,
        cudaDriverVersion: undefined,
        wantedBy: ['import'],
      },
      cacheDir: request.cacheDir,
      authFile: request.authFile,
      buildSource: request.buildSource,
    },
  );
  return { path, built: true };
}
