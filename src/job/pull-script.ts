// The pull script (job-templates/apptainer-pull.sbatch.mustache): the job's own header, image, lock and pull partials,
// for one image into one cache, run here by bash or as a Slurm job (a submission's CPU pull job, the warmer's pulls,
// import's builds), so every pull shares one lock and one verification with the jobs (pure).
import type { CacheSettings } from '../cache/settings.js';
import type { PullableImage } from '../image/names.js';
import { renderTemplate, type Template } from '../templates/render.js';
import { planCacheView } from './cache-view.js';
import { planSbatchHeader } from './plan.js';

export interface PullScriptRequest {
  readonly image: PullableImage;
  readonly imageCacheDir: string | undefined;
  /** #SBATCH lines: read when the script is a Slurm job, plain comments when bash runs it here. */
  readonly sbatch: {
    readonly jobName: string;
    readonly partition: string;
    readonly account: string | undefined;
    readonly time: string | undefined;
    readonly output: string | undefined;
  };
}

export function renderPullScript(template: Template, cache: CacheSettings, request: PullScriptRequest): string {
  return renderTemplate(template, {
    ...planSbatchHeader({
      ...request.sbatch,
      mem: undefined,
      cpus: undefined,
      gres: undefined,
      constraint: undefined,
      array: undefined,
    }),
    ...planCacheView(cache, request.image, request.imageCacheDir),
  });
}
