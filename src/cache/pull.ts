// Pull one image into the shared cache by running the job template's own pull block (same lock, names, verification),
// on this host (`bash -s`) or as a Slurm job (`sbatch --wait`), with progress events and a clean stop on abort.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../config/resolve.js';
import { DataError, TemporaryError, UnavailableError } from '../errors.js';
import { planJobView, type JobRequest } from '../job/plan.js';
import type { Logger } from '../log/types.js';
import { renderTemplate } from '../templates/render.js';
import type { Runner } from '../transport/runner.js';
import { planCacheView } from './job-view.js';
import { sifName } from '../image/names.js';
import type { DesiredImage } from './plan-warm.js';
import { formatSize } from './units.js';

export interface PullDeps {
  readonly runner: Runner;
  readonly template: string;
  readonly log: Logger;
  /** Progress for a person at a terminal; undefined when stderr is not a TTY. */
  readonly progress: ((line: string) => void) | undefined;
  readonly signal: AbortSignal;
  readonly user: string;
  readonly progressEveryMs?: number;
}

export interface PullTarget {
  readonly image: DesiredImage;
  readonly cacheDir: string;
  readonly authFile: string | undefined;
  /** Build from this Apptainer source instead of pulling (import of an archive or a downloaded layout). */
  readonly buildSource?: string | undefined;
}

export function renderPullScript(template: string, settings: Settings, target: PullTarget): string {
  const { image } = target;
  const slurm = settings.warm.pullOn === 'slurm';
  const request: JobRequest = {
    jobName: `qsc-warm-${image.digest.slice(7, 19)}`,
    partition: settings.warm.pullPartition ?? 'local',
    account: slurm ? settings.account : undefined,
    time: slurm ? settings.warm.pullTime : undefined,
    mem: undefined,
    cpus: undefined,
    gpus: 0,
    gpuType: undefined,
    output: slurm ? join(target.cacheDir, '.logs', 'warm-%j.out') : undefined,
    cacheDir: target.cacheDir,
    image: {
      displayRef: image.ref,
      pullRef: image.pullRef,
      digest: image.digest,
      noHttps: image.noHttps,
      authFile: target.authFile,
      buildSource: target.buildSource,
    },
    command: [],
  };
  const facts = {
    digest: image.digest,
    source: image.ref,
    cudaVersion: image.cudaVersion,
    cudaDriverVersion: image.cudaDriverVersion,
  };
  return renderTemplate(template, planJobView(request, planCacheView(settings.cache, facts, true)));
}

/** Bytes a pull has written so far: its partial file plus Apptainer's temp dir (layers, squashfs being built). */
async function bytesSoFar(dirs: readonly string[], partialPrefix: string, cacheDir: string): Promise<number> {
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else total += (await stat(path).catch(() => undefined))?.size ?? 0;
    }
  };
  for (const dir of dirs) await walk(dir);
  for (const name of await readdir(cacheDir).catch(() => [] as string[])) {
    if (name.startsWith(partialPrefix)) total += (await stat(join(cacheDir, name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

export async function pullImage(deps: PullDeps, settings: Settings, target: PullTarget): Promise<{ seconds: number }> {
  const { image, cacheDir } = target;
  const script = renderPullScript(deps.template, settings, target);
  const slurm = settings.warm.pullOn === 'slurm';
  if (slurm) await mkdir(join(cacheDir, '.logs'), { recursive: true });
  const started = Date.now();
  const tmpDir = join(settings.cache.apptainerTmpDir ?? join(cacheDir, '.tmp'), deps.user);
  const timer = setInterval(() => {
    void bytesSoFar([tmpDir], `${sifName(image.digest)}.partial.`, cacheDir).then((bytes) => {
      deps.log.info({
        event: 'cache.pull.progress',
        image: image.ref,
        digest: image.digest,
        bytes,
        seconds: Math.round((Date.now() - started) / 1000),
      });
      deps.progress?.(`pulling ${image.ref}: ${formatSize(bytes)} so far`);
    });
  }, deps.progressEveryMs ?? 15_000);
  try {
    const result = await deps.runner.run({
      argv: slurm ? ['sbatch', '--wait', '--parsable'] : ['bash', '-s'],
      stdin: script,
      signal: deps.signal,
    });
    if (deps.signal.aborted && slurm) {
      await deps.runner.run({
        argv: ['scancel', `--user=${deps.user}`, `--name=qsc-warm-${image.digest.slice(7, 19)}`],
        timeoutMs: 30_000,
      });
    }
    // The pull block's own notes (lock taken over, pulled in Ns); Apptainer prints no credentials.
    deps.log.debug({
      event: 'cache.pull.output',
      image: image.ref,
      code: result.code,
      output: result.stderr.slice(-4000),
    });
    const last = (result.stderr.trim().split('\n').at(-1) ?? '').replace(/^qsub-container: /, '');
    if (result.code === 0) return { seconds: (Date.now() - started) / 1000 };
    if (deps.signal.aborted) throw new TemporaryError(`pull of ${image.ref} stopped by shutdown`);
    if (result.code === 75) throw new TemporaryError(last || `not enough free space in ${cacheDir}`);
    if (result.code === 65) throw new DataError(last || `pulled file for ${image.ref} is not a valid SIF`);
    if (/no space left on device/i.test(result.stderr)) {
      throw new TemporaryError(
        `the filesystem of ${cacheDir} filled up while pulling ${image.ref}; the partial download was removed`,
        {
          hint: 'free space (qsub-container cache prune), or point "cache.apptainerTmpDir" at a larger filesystem',
          cause: { stderr: result.stderr },
        },
      );
    }
    throw new UnavailableError(`pull of ${image.ref} failed (exit ${result.code}): ${last || 'no output'}`, {
      hint: slurm ? `see the pull job's output in ${join(cacheDir, '.logs')}` : 'rerun with --log-level debug',
      cause: { stderr: result.stderr },
    });
  } finally {
    clearInterval(timer);
  }
}
