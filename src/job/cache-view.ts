// The pull block's part of a job template view: the image's cache names, its sidecar and the cache policy (pure).
import { jobComment } from '../cache/in-use.js';
import { sidecarHead } from '../cache/layout.js';
import type { CacheSettings } from '../cache/settings.js';
import { DEFAULT_IMAGE_DIR_SHELL, sidecarName, sifName, type PullableImage } from '../image/names.js';
import { sbatchValue, ShellExpansion, type View } from '../templates/render.js';

/**
 * `imageCacheDir` undefined: the default directory, expanded on the node that runs the script (the view carries the
 * expansion; the template never spells it).
 */
export function planCacheView(cache: CacheSettings, image: PullableImage, imageCacheDir: string | undefined): View {
  return {
    comment: sbatchValue(jobComment(image.digest)),
    imageRef: image.displayRef,
    digest: image.digest,
    pullRef: image.pullRef,
    buildSource: image.buildSource ?? null,
    authFile: image.authFile ?? null,
    noHttps: image.noHttps,
    cacheDir: imageCacheDir ?? new ShellExpansion(DEFAULT_IMAGE_DIR_SHELL),
    sifName: sifName(image.digest),
    metaName: sidecarName(image.digest),
    metaHead: sidecarHead(image.digest, image.displayRef, image.cudaVersion, image.cudaDriverVersion),
    cacheGroup: cache.group ?? null,
    trustedUsers: cache.trustedUsers,
    apptainerTmpDir: cache.apptainerTmpDir ?? null,
    apptainerCacheDir: cache.apptainerCacheDir ?? null,
    minFreeKb: Math.ceil(cache.minFreeBytes / 1024),
    staleLockSeconds: Math.round(cache.staleLockSeconds),
    lockWaitSeconds: Math.round(cache.lockWaitSeconds),
  };
}
