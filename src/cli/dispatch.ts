// Run one parsed command with the composed adapters (compose.ts). submit loads with this module (one chunk of the
// bundle, read before its registry requests go out); every other command loads on demand, so a submission does not
// read and compile their code (test/bench/startup.mjs).
import { ExitCode, NoGpuError, PartitionWithoutGpuError } from '../errors.js';
import type { ParsedCommand } from './args.js';
import { submitCommand } from './commands/submit.js';
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
    if (command.name === 'login' || command.name === 'logout')
      await (await import('./commands/login.js')).loginCommand(command, deps, io);
    else if (command.name === 'tags') await (await import('./commands/tags.js')).tagsCommand(command.args, deps, io);
    else if (command.name === 'detect')
      await (await import('./commands/detect.js')).detectCommand(command.args, deps, io);
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
