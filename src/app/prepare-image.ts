// Before a job is queued: is its pinned image cached (checked through the Runner)? If not, pull it here, or find or
// submit the CPU pull job it will depend on, or leave the pull to the job itself (the last resort, under its lock).
import { checkCachedImage } from '../cache/check-cached.js';
import { findOrSubmitPullJob, pullJobName } from '../cache/pull-job.js';
import type { Settings } from '../config/resolve.js';
import { UnmetNeedError } from '../errors.js';
import type { PullableImage } from '../image/names.js';
import type { PullMode } from '../job/pull-mode.js';
import type { OutputDir } from '../slurm/output-dirs.js';
import { renderPullScript } from '../job/pull-script.js';
import { PULL_TEMPLATE } from '../job/templates.js';
import type { Template } from '../templates/render.js';
import type { RunResult } from '../transport/runner.js';
import type { AppDeps } from './deps.js';
import { pullImage } from './pull-image.js';

export type PrepareDeps = Pick<AppDeps, 'runner' | 'log' | 'note' | 'progress' | 'signal' | 'user' | 'readTemplate'>;

export interface ImageToPrepare {
  readonly image: PullableImage;
  readonly imageCacheDir: string | undefined;
  readonly mode: PullMode;
  /** The job's sbatch argv and script, submitted in the cache check's own call when nothing is to be pulled first. */
  readonly job: { readonly argv: readonly string[]; readonly script: string };
  /** The job's -o/-e directories, made by the cache check before sbatch (slurm/output-dirs.ts). */
  readonly outputDirs?: readonly OutputDir[];
}

export interface Prepared {
  /** What happened, for --json and the log. */
  readonly pull: 'cached' | 'pulled-here' | 'in-job' | 'pull-job';
  /** The CPU pull job the job waits for (afterok), and whether another submission had queued it. */
  readonly pullJob?: { readonly id: string; readonly shared: boolean } | undefined;
  readonly quarantined?: string | undefined;
  /** sbatch's answer when the job was submitted by the cache check itself (cached, or pulled in the job). */
  readonly submitted?: RunResult | undefined;
}

/** The CPU pull job's script: the pull block alone, on the pull partition; its output path goes on sbatch's argv. */
export function renderPullJobScript(
  template: Template,
  settings: Settings,
  image: PullableImage,
  imageCacheDir: string | undefined,
): string {
  return renderPullScript(template, settings.cache, {
    image: { ...image, buildSource: undefined },
    imageCacheDir,
    sbatch: {
      jobName: pullJobName(image.digest),
      partition: settings.warm.pullPartition!,
      account: settings.account,
      time: settings.warm.pullTime,
      output: undefined,
    },
  });
}

export async function prepareImage(deps: PrepareDeps, settings: Settings, prepare: ImageToPrepare): Promise<Prepared> {
  const { image, imageCacheDir, mode } = prepare;
  const { state, submitted } = await checkCachedImage(
    deps.runner,
    imageCacheDir,
    image.digest,
    { ...prepare.job, when: mode === 'job' ? 'always' : 'cached' },
    settings.cache.trustedUsers,
    settings.cacheDirFrom,
    prepare.outputDirs,
  );
  const quarantined = state.kind === 'quarantined' ? state.movedTo : undefined;
  if (state.kind === 'quarantined')
    deps.note(
      `qsub-container: the cached ${image.displayRef} was ${state.problem.startsWith('not trusted') ? 'set aside' : 'damaged'} (${state.problem}); moved to ${state.movedTo}, pulling it again`,
    );
  if (state.kind === 'cached') return { pull: 'cached', submitted };
  deps.log.info({
    event: 'image.not-cached',
    image: image.displayRef,
    digest: image.digest,
    mode,
    quarantined: quarantined ?? null,
  });
  if (mode === 'job') return { pull: 'in-job', quarantined, submitted };

  if (mode === 'local') {
    if (!imageCacheDir)
      throw new UnmetNeedError('pull', mode, 'a shared cache directory', {
        hint: 'pass --cache-dir DIR or set "cacheDir" in the config',
      });
    deps.note(`qsub-container: pulling ${image.displayRef} here before submitting`);
    const template = await deps.readTemplate(PULL_TEMPLATE);
    const { seconds } = await pullImage({ ...deps, template }, settings, {
      image,
      imageCacheDir,
      on: 'local',
    });
    deps.log.info({
      event: 'cache.pulled',
      image: image.displayRef,
      digest: image.digest,
      seconds: Math.round(seconds * 10) / 10,
    });
    return { pull: 'pulled-here', quarantined };
  }

  const answer = await findOrSubmitPullJob(deps.runner, {
    imageCacheDir,
    digest: image.digest,
    script: renderPullJobScript(await deps.readTemplate(PULL_TEMPLATE), settings, image, imageCacheDir),
    trustedUsers: settings.cache.trustedUsers,
  });
  if (answer.kind === 'cached') return { pull: 'cached', quarantined };
  const shared = answer.kind === 'queued';
  deps.note(
    `qsub-container: ${shared ? 'waiting for pull job' : 'submitted pull job'} ${answer.jobId} on ${settings.warm.pullPartition} for ${image.displayRef}`,
  );
  deps.log.info({
    event: shared ? 'pull-job.shared' : 'pull-job.submitted',
    jobId: answer.jobId,
    image: image.displayRef,
    digest: image.digest,
  });
  return { pull: 'pull-job', pullJob: { id: answer.jobId, shared }, quarantined };
}
