// Before a job is queued: is its pinned image cached (checked through the Runner)? If not, pull it here, or find or
// submit the CPU pull job it will depend on, or leave the pull to the job itself (the last resort, under its lock).
import { userInfo } from 'node:os';
import { checkCachedImage } from '../cache/check-cached.js';
import { planCacheView } from '../cache/job-view.js';
import { pullImage } from '../cache/pull.js';
import type { Settings } from '../config/resolve.js';
import { ConfigError } from '../errors.js';
import { planJobView, type JobRequest, type ResolvedImage } from '../job/plan.js';
import type { PullMode } from '../job/pull-mode.js';
import { findOrSubmitPullJob, pullJobName } from '../cache/pull-job.js';
import { renderTemplate } from '../templates/render.js';
import type { RunResult } from '../transport/runner.js';
import type { Context } from './context.js';

export interface ImageToPrepare {
  readonly image: ResolvedImage;
  readonly cacheDir: string | undefined;
  readonly cudaVersion: string | undefined;
  readonly cudaDriverVersion: string | undefined;
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

/** The template's pull block alone (pullOnly), as a CPU job on the pull partition; its output path goes on sbatch's argv. */
export function renderPullJobScript(template: string, settings: Settings, prepare: ImageToPrepare): string {
  const { image, cacheDir } = prepare;
  const request: JobRequest = {
    jobName: pullJobName(image.digest),
    partition: settings.warm.pullPartition!,
    account: settings.account,
    time: settings.warm.pullTime,
    mem: undefined,
    cpus: undefined,
    gpus: 0,
    gpuType: undefined,
    output: undefined,
    cacheDir,
    image: { ...image, buildSource: undefined },
    command: [],
  };
  const facts = {
    digest: image.digest,
    source: image.displayRef,
    cudaVersion: prepare.cudaVersion,
    cudaDriverVersion: prepare.cudaDriverVersion,
  };
  return renderTemplate(template, planJobView(request, planCacheView(settings.cache, facts, true)));
}

/** `job`: the job's sbatch argv and script, submitted in the cache check's own call when nothing is to be pulled first. */
export async function prepareImage(
  ctx: Context,
  settings: Settings,
  mode: PullMode,
  prepare: ImageToPrepare,
  template: string,
  job: { readonly argv: readonly string[]; readonly script: string },
): Promise<Prepared> {
  const { image, cacheDir } = prepare;
  const { state, submitted } = await checkCachedImage(ctx.runner, cacheDir, image.digest, {
    ...job,
    when: mode === 'job' ? 'always' : 'cached',
  });
  const quarantined = state.kind === 'quarantined' ? state.movedTo : undefined;
  if (state.kind === 'quarantined')
    ctx.note(
      `qsub-container: the cached ${image.displayRef} was damaged (${state.problem}); moved to ${state.movedTo}, pulling it again`,
    );
  if (state.kind === 'cached') return { pull: 'cached', submitted };
  ctx.log.info({
    event: 'image.not-cached',
    image: image.displayRef,
    digest: image.digest,
    mode,
    quarantined: quarantined ?? null,
  });
  if (mode === 'job') return { pull: 'in-job', quarantined, submitted };

  if (mode === 'local') {
    if (!cacheDir)
      throw new ConfigError('--pull local needs a shared cache directory', {
        hint: 'pass --cache-dir DIR or set "cacheDir" in the config',
      });
    ctx.note(`qsub-container: pulling ${image.displayRef} here before submitting`);
    const user = ctx.env.USER || userInfo().username;
    const progress = process.stderr.isTTY ? (line: string) => ctx.note(`qsub-container: ${line}`) : undefined;
    const { seconds } = await pullImage(
      {
        runner: ctx.runner,
        template,
        log: ctx.log,
        progress,
        signal: ctx.signal ?? new AbortController().signal,
        user,
      },
      { ...settings, warm: { ...settings.warm, pullOn: 'local' } },
      {
        image: {
          ref: image.displayRef,
          digest: image.digest,
          pullRef: image.pullRef,
          noHttps: image.noHttps,
          cudaVersion: prepare.cudaVersion,
          cudaDriverVersion: prepare.cudaDriverVersion,
          wantedBy: ['submit'],
        },
        cacheDir,
        authFile: image.authFile,
      },
    );
    ctx.log.info({
      event: 'cache.pulled',
      image: image.displayRef,
      digest: image.digest,
      seconds: Math.round(seconds * 10) / 10,
    });
    return { pull: 'pulled-here', quarantined };
  }

  const answer = await findOrSubmitPullJob(ctx.runner, {
    imageCacheDir: cacheDir,
    digest: image.digest,
    script: renderPullJobScript(template, settings, prepare),
  });
  if (answer.kind === 'cached') return { pull: 'cached', quarantined };
  const shared = answer.kind === 'queued';
  ctx.note(
    `qsub-container: ${shared ? 'waiting for pull job' : 'submitted pull job'} ${answer.jobId} on ${settings.warm.pullPartition} for ${image.displayRef}`,
  );
  ctx.log.info({
    event: shared ? 'pull-job.shared' : 'pull-job.submitted',
    jobId: answer.jobId,
    image: image.displayRef,
    digest: image.digest,
  });
  return { pull: 'pull-job', pullJob: { id: answer.jobId, shared }, quarantined };
}
