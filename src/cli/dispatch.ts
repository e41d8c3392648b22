// Run one parsed command with the composed adapters (compose.ts). The commands a submission-time process needs load
// with this module (one chunk of the bundle); those that touch the cache's files (cache, warm, import: node:fs/promises,
// node:crypto) load on demand.
import { ExitCode, NoGpuError } from '../errors.js';
import { PartitionWithoutGpuError } from '../gpu/probe.js';
import type { ParsedCommand } from './args.js';
import { detectCommand } from './commands/detect.js';
import { loginCommand } from './commands/login.js';
import { submitCommand } from './commands/submit.js';
import { tagsCommand } from './commands/tags.js';
import { compose } from './compose.js';
import type { Stop } from './stop.js';

/**
 * The command's exit code. When the run is stopped (a signal, a closed pipe), what it started is stopped and its
 * Slurm work cancelled before the runner it opened (SSH) is closed, which happens whatever else does.
 */
export async function dispatch(
  command: Exclude<ParsedCommand, { name: 'help' }>,
  env: NodeJS.ProcessEnv,
  stop: Pick<Stop, 'signal' | 'setCleanup'>,
): Promise<number> {
  const { deps, io } = await compose(command, env, stop.signal);
  let closed: Promise<void> | undefined;
  const release = () =>
    (closed ??= (async () => {
      if (stop.signal.aborted) await deps.runner.stopWork();
      await deps.runner.close?.();
    })());
  stop.setCleanup(release);
  try {
    // --wait: a stop ends following the job, never the job (app/follow-job.ts).
    if (command.name === 'submit')
      return (await submitCommand(command.args, deps, io).catch(withSubmitWays)) ?? ExitCode.ok;
    if (command.name === 'login' || command.name === 'logout') await loginCommand(command, deps, io);
    else if (command.name === 'tags') await tagsCommand(command.args, deps, io);
    else if (command.name === 'detect') await detectCommand(command.args, deps, io);
    else if (command.name === 'import')
      await (await import('./commands/import.js')).importCommand(command.args, deps, io);
    else if (command.name === 'cache') await (await import('./commands/cache.js')).cacheCommand(command.args, deps, io);
    else await (await import('./commands/warm.js')).warmCommand(command.args, deps, io);
    return ExitCode.ok;
  } finally {
    await release();
  }
}

/** submit's own way out of a partition without GPUs, which the other commands lack: its --gpu. */
export function withSubmitWays(error: unknown): never {
  if (!(error instanceof PartitionWithoutGpuError)) throw error;
  throw new NoGpuError(error.message, { hint: `${error.hint}, or drop --gpu for a CPU job`, cause: error });
}
