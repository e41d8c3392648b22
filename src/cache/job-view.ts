// The cache part of the job template's view: the names, sidecar and policy its pull block needs (pure).
import type { CacheSettings } from './settings.js';
import { sbatchValue, type View } from '../templates/render.js';
import { sidecarHead } from './layout.js';
import { sidecarName } from '../image/names.js';

export interface CachedImageFacts {
  readonly digest: string;
  /** host/repository:tag the image was chosen as, recorded in the sidecar. */
  readonly source: string;
  readonly cudaVersion: string | undefined;
  readonly cudaDriverVersion: string | undefined;
}

/** Job comment that lets `cache prune` see which image a queued or running job needs (squeue %k). */
export const jobComment = (digest: string) => `qsc-image=${digest}`;

export function planCacheView(cache: CacheSettings, image: CachedImageFacts, pullOnly: boolean): View {
  return {
    comment: sbatchValue(jobComment(image.digest)),
    metaName: sidecarName(image.digest),
    metaHead: sidecarHead(image.digest, image.source, image.cudaVersion, image.cudaDriverVersion),
    cacheGroup: cache.group ?? null,
    apptainerTmpDir: cache.apptainerTmpDir ?? null,
    apptainerCacheDir: cache.apptainerCacheDir ?? null,
    minFreeKb: Math.ceil(cache.minFreeBytes / 1024),
    staleLockSeconds: Math.round(cache.staleLockSeconds),
    pullOnly,
  };
}
