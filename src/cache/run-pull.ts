// Run a pull script (job/pull-script.ts: the job template's pull block, same lock, names and verification as jobs) on
// this host (`bash -s`) or as a Slurm job (`sbatch --wait`), with progress events and a clean stop on abort.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CantCreateError, DataError, TemporaryError, UnavailableError } from '../errors.js';
import { sifName, type PinnedImage } from '../image/names.js';
import type { Logger } from '../log/types.js';
import { SBATCH_ENV_NAMES } from '../slurm/sbatch-env.js';
import type { Runner } from '../transport/runner.js';
import { LOGS_DIR } from './layout.js';
import { makeOwnLogDir } from './store.js';
import { formatSize } from './units.js';

/** Where a pull runs: on this host, or as a Slurm job (sites whose login nodes may not do heavy work). */
export type PullOn = 'local' | 'slurm';

export interface RunPullDeps {
  readonly runner: Runner;
  readonly log: Logger;
  /** Progress for a person at a terminal; undefined when nobody watches. */
  readonly progress: ((line: string) => void) | undefined;
  readonly signal: AbortSignal;
  readonly user: string;
  readonly progressEveryMs?: number;
}

export interface PullRun {
  readonly script: string;
  readonly on: PullOn;
  readonly image: PinnedImage;
  readonly imageCacheDir: string;
  /** A pull here is stopped after this long (warm.pullTime), as sbatch --time stops a Slurm one; undefined: never. */
  readonly timeLimitMs?: number | undefined;
  /** Where Apptainer writes while it pulls ("cache.apptainerTmpDir", else the pull's private directory), for the progress count. */
  readonly apptainerTmpDir: string | undefined;
}

/** The Slurm job name of a pull the warmer runs with sbatch --wait (what a shutdown cancels). */
export const warmPullJobName = (digest: string) => `qsc-warm-${digest.slice(7, 19)}`;

/**
 * Bytes a pull has written so far: its private directory in the cache (the partial SIF, Apptainer's temp files by
 * default) plus this user's pull directories under "cache.apptainerTmpDir" (layers, squashfs being built).
 */
async function bytesSoFar(places: readonly { dir: string; prefix: string }[]): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) return void (total += info?.size ?? 0);
    for (const name of await readdir(path).catch(() => [] as string[])) await walk(join(path, name));
  };
  for (const { dir, prefix } of places) {
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (name.startsWith(prefix)) await walk(join(dir, name));
  }
  return total;
}

export async function runPull(deps: RunPullDeps, pull: PullRun): Promise<{ seconds: number }> {
  const { image, imageCacheDir: cacheDir } = pull;
  const slurm = pull.on === 'slurm';
  if (slurm) await makeOwnLogDir(cacheDir, deps.user);
  const started = Date.now();
  const places = [
    { dir: cacheDir, prefix: `${sifName(image.digest)}.partial.` },
    ...(pull.apptainerTmpDir ? [{ dir: pull.apptainerTmpDir, prefix: `${deps.user}.` }] : []),
  ];
  const timer = setInterval(() => {
    void bytesSoFar(places).then((bytes) => {
      deps.log.info({
        event: 'cache.pull.progress',
        image: image.displayRef,
        digest: image.digest,
        bytes,
        seconds: Math.round((Date.now() - started) / 1000),
      });
      deps.progress?.(`pulling ${image.displayRef}: ${formatSize(bytes)} so far`);
    });
  }, deps.progressEveryMs ?? 15_000);
  try {
    const result = await deps.runner.run({
      // The pull job runs where its #SBATCH lines say: a user's SBATCH_PARTITION (or _CONSTRAINT, _GRES, ...) is
      // for their GPU jobs, and would override those lines.
      argv: slurm
        ? ['env', ...SBATCH_ENV_NAMES.flatMap((name) => ['-u', name]), 'sbatch', '--wait', '--parsable']
        : ['bash', '-s'],
      stdin: pull.script,
      signal: deps.signal,
      timeoutMs: slurm ? undefined : pull.timeLimitMs,
    });
    if (deps.signal.aborted && slurm) {
      await deps.runner.run({
        argv: ['scancel', `--user=${deps.user}`, `--name=${warmPullJobName(image.digest)}`],
        timeoutMs: 30_000,
      });
    }
    // The pull block's own notes (lock taken over, pulled in Ns); Apptainer prints no credentials.
    deps.log.debug({
      event: 'cache.pull.output',
      image: image.displayRef,
      code: result.code,
      output: result.stderr.slice(-4000),
    });
    const last = (result.stderr.trim().split('\n').at(-1) ?? '').replace(/^qsub-container: /, '');
    if (result.code === 0) return { seconds: (Date.now() - started) / 1000 };
    if (deps.signal.aborted) throw new TemporaryError(`pull of ${image.displayRef} stopped by shutdown`);
    if (result.timedOut)
      throw new TemporaryError(
        `pull of ${image.displayRef} stopped after ${Math.round((pull.timeLimitMs ?? 0) / 1000)}s ("warm.pullTime"); nothing was published`,
        { hint: 'a stuck registry or a held lock; the next tick tries again (raise "warm.pullTime" for huge images)' },
      );
    if (result.code === 75) throw new TemporaryError(last || `not enough free space in ${cacheDir}`);
    if (result.code === 73)
      throw new CantCreateError(last || `cannot create files in ${cacheDir}`, {
        hint: 'choose a cache directory you can write (--cache-dir, "cacheDir"), or ask its owner for group write access',
      });
    if (result.code === 65) throw new DataError(last || `pulled file for ${image.displayRef} is not a valid SIF`);
    if (/no space left on device/i.test(result.stderr)) {
      throw new TemporaryError(
        `the filesystem of ${cacheDir} filled up while pulling ${image.displayRef}; the partial download was removed`,
        {
          hint: 'free space (qsub-container cache prune), or point "cache.apptainerTmpDir" at a larger filesystem',
          cause: { stderr: result.stderr },
        },
      );
    }
    throw new UnavailableError(`pull of ${image.displayRef} failed (exit ${result.code}): ${last || 'no output'}`, {
      hint: slurm ? `see the pull job's output in ${join(cacheDir, LOGS_DIR)}` : 'rerun with --log-level debug',
      cause: { stderr: result.stderr },
    });
  } finally {
    clearInterval(timer);
  }
}
