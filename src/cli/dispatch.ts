// Run one parsed command with the composed adapters (compose.ts). The commands a submission-time process needs load
// with this module (one chunk of the bundle); those that touch the cache's files (cache, warm, import: node:fs/promises,
// node:crypto) load on demand.
import { ExitCode } from '../errors.js';
import type { ParsedCommand } from './args.js';
import { detectCommand } from './commands/detect.js';
import { loginCommand } from './commands/login.js';
import { submitCommand } from './commands/submit.js';
import { tagsCommand } from './commands/tags.js';
import { compose } from './compose.js';

/** The command's exit code; the runner it opened (SSH) is closed whatever happens. */
export async function dispatch(
  command: Exclude<ParsedCommand, { name: 'help' }>,
  env: NodeJS.ProcessEnv,
  interrupt: AbortController,
): Promise<number> {
  const { deps, io } = await compose(command, env, interrupt.signal);
  const onSigint = () => interrupt.abort();
  try {
    // --wait: Ctrl-C stops following the job, never the job (app/follow-job.ts).
    if (command.name === 'submit' && command.args.wait) process.once('SIGINT', onSigint);
    if (command.name === 'submit') return (await submitCommand(command.args, deps, io)) ?? ExitCode.ok;
    if (command.name === 'login' || command.name === 'logout') await loginCommand(command, deps, io);
    else if (command.name === 'tags') await tagsCommand(command.args, deps, io);
    else if (command.name === 'detect') await detectCommand(command.args, deps, io);
    else if (command.name === 'import')
      await (await import('./commands/import.js')).importCommand(command.args, deps, io);
    else if (command.name === 'cache') await (await import('./commands/cache.js')).cacheCommand(command.args, deps, io);
    else await (await import('./commands/warm.js')).warmCommand(command.args, deps, io);
    return ExitCode.ok;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await deps.runner.close?.();
  }
}
