// The pull script: the job template's pull block alone, for one image into one cache, run here by bash or as a Slurm
// job (a submission's CPU pull job, the warmer's pulls, import's builds), so every pull shares one lock and one
// verification with the jobs (pure).
import type { CacheSettings } from '../cache/settings.js';
import { renderTemplate } from '../templates/render.js';
import type { PullableImage } from '../image/names.js';
import { planJobView } from './plan.js';

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

export function renderPullScript(template: string, cache: CacheSettings, request: PullScriptRequest): string {
  const view = planJobView(
    {
      ...request.sbatch,
      mem: undefined,
      cpus: undefined,
      gpus: 0,
      gpuType: undefined,
      imageCacheDir: request.imageCacheDir,
      image: request.image,
      command: [],
    },
    cache,
    true,
  );
  return renderTemplate(template, view);
}
