// Pull one image into the SIF cache now: render the pull script for it and run it here or as a Slurm job that this
// waits for (warm ticks, `submit --pull local`, import).
import { join } from 'node:path';
import { LOGS_DIR, WARM_JOB_LOG } from '../cache/layout.js';
import { runPull, warmPullJobName, type PullOn, type RunPullDeps } from '../cache/run-pull.js';
import type { Settings } from '../config/resolve.js';
import { ConfigError } from '../errors.js';
import type { PullableImage } from '../image/names.js';
import { renderPullScript } from '../job/pull-script.js';
import { timeLimitMs } from '../slurm/options.js';
import type { Template } from '../templates/render.js';

export interface PullImageDeps extends RunPullDeps {
  /** The pull script's template (job/templates.ts: PULL_TEMPLATE). */
  readonly template: Template;
}

export interface PullImageRequest {
  readonly image: PullableImage;
  readonly imageCacheDir: string;
  /** Where the pull runs; a Slurm pull goes to "warm.pullPartition" with the site's account and "warm.pullTime". */
  readonly on: PullOn;
}

/** A Slurm pull's output: in the puller's own directory under .logs (cache/run-pull.ts makes and checks it). */
export const pullLogPattern = (imageCacheDir: string, user: string) =>
  join(imageCacheDir, LOGS_DIR, user, WARM_JOB_LOG);

/** The script `pullImage` runs: the pull block alone, as a Slurm job on the pull partition or for bash here. */
export function renderImagePull(
  template: Template,
  settings: Settings,
  request: PullImageRequest,
  user: string,
): string {
  const { image, imageCacheDir, on } = request;
  const slurm = on === 'slurm';
  return renderPullScript(template, settings.cache, {
    image,
    imageCacheDir,
    sbatch: {
      jobName: warmPullJobName(image.digest),
      partition: settings.warm.pullPartition ?? 'local',
      account: slurm ? settings.account : undefined,
      time: slurm ? settings.warm.pullTime : undefined,
      output: slurm ? pullLogPattern(imageCacheDir, user) : undefined,
    },
  });
}

export async function pullImage(
  deps: PullImageDeps,
  settings: Settings,
  request: PullImageRequest,
): Promise<{ seconds: number }> {
  const { image, imageCacheDir, on } = request;
  // deps.user is this machine's user: over --host the pull runs as the SSH login's user, which is not root here.
  if (deps.user === 'root' && deps.runner.id.startsWith('local:') && !settings.cache.allowRoot)
    throw new ConfigError(`refusing to pull into the shared cache ${imageCacheDir} as root`, {
      hint: 'run the warmer, --pull local and import as the cache\'s own account (README "Trust model"); a site that must may set "cache.allowRoot": true in the site config',
    });
  const script = renderImagePull(deps.template, settings, request, deps.user);
  return runPull(deps, {
    script,
    on,
    image,
    imageCacheDir,
    apptainerTmpDir: settings.cache.apptainerTmpDir,
    timeLimitMs: timeLimitMs(settings.warm.pullTime),
  });
}
