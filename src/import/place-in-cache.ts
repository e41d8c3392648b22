// The one place import writes the SIF cache: through the cache protocol's own pull block (app/pull-image.ts, passed in
// as `pull`), so an import, a job and the warmer share one lock, one verification, one sidecar and one atomic publish.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sifName } from '../image/names.js';
import type { PullableImage } from '../image/names.js';

export interface PlaceDeps {
  /** Pull (or, with image.buildSource, build) the image into the cache on this host. */
  readonly pull: (image: PullableImage, imageCacheDir: string) => Promise<unknown>;
}

/** Put `<cacheDir>/sha256-<hex>.sif` in place unless it is there; `built` says whether this call made it. */
export async function placeSifInCache(
  deps: PlaceDeps,
  image: PullableImage,
  imageCacheDir: string,
): Promise<{ path: string; built: boolean }> {
  const path = join(imageCacheDir, sifName(image.digest));
  if (((await stat(path).catch(() => undefined))?.size ?? 0) > 0) return { path, built: false };
  await deps.pull(image, imageCacheDir);
  return { path, built: true };
}
